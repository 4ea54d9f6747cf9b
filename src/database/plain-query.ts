import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs one plain SQL statement written with `?` placeholders, numbered `$1, $2, …` for
 * PostgreSQL. For the few reads on every request, where building an entity query costs several
 * times what the database does; both drivers prepare the text once and reuse it.
 */
export async function plainQuery<T = Record<string, unknown>>(db: DataSource | EntityManager, sql: string, parameters: unknown[]): Promise<T[]> {
  const source = 'connection' in db ? db.connection : db;
  const text = source.options.type === 'postgres' ? numberedPlaceholders(sql) : sql;
  return (await db.query(text, parameters)) as T[];
}

/** `?, ?, …` as PostgreSQL's `$1, $2, …`. */
export function numberedPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** Runs one data-changing statement (`?` placeholders) in the manager's transaction, or on a connection of its own: the rows it changed. */
export async function plainExecute(db: DataSource | EntityManager, sql: string, parameters: unknown[]): Promise<number> {
  const manager = 'connection' in db ? db : db.manager;
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const text = manager.connection.options.type === 'postgres' ? numberedPlaceholders(sql) : sql;
    const result = await runner.query(text, parameters, true);
    if (typeof result.affected !== 'number') throw new Error('the driver did not report how many rows the statement changed');
    return result.affected;
  } finally {
    if (!manager.queryRunner) await runner.release();
  }
}
