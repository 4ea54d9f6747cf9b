import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs one plain SQL statement written with `?` placeholders, numbered `$1, $2, …` for
 * PostgreSQL. For the few reads on every request, where building an entity query costs several
 * times what the database does; both drivers prepare the text once and reuse it.
 */
export async function plainQuery<T = Record<string, unknown>>(db: DataSource | EntityManager, sql: string, parameters: unknown[]): Promise<T[]> {
  const source = 'connection' in db ? db.connection : db;
  let n = 0;
  const text = source.options.type === 'postgres' ? sql.replace(/\?/g, () => `$${++n}`) : sql;
  return (await db.query(text, parameters)) as T[];
}
