import { In, type DataSource } from 'typeorm';
import type { ActorName } from '../audit/audit.view.js';
import { User } from './user.entity.js';

/** Usernames and display names by user id, for showing who did what; ids of no user are left out. */
export async function displayNamesOf(db: DataSource, ids: readonly string[]): Promise<Map<string, ActorName>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await db.getRepository(User).find({ select: { id: true, username: true, displayName: true }, where: { id: In(unique) } });
  return new Map(rows.map((row) => [row.id, { username: row.username, displayName: row.displayName }]));
}
