import type { Database } from 'better-sqlite3';
import type { ClientConfig, Pool, PoolClient } from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';

/**
 * The one place that reaches past TypeORM's public API to the database clients its drivers hold,
 * for what TypeORM offers no way to do: named prepared statements and COPY on PostgreSQL, raw
 * statements and the transaction flag of better-sqlite3. These are fields of the driver classes,
 * not of their typings: a TypeORM upgrade that renames one breaks here and nowhere else.
 */

/** The better-sqlite3 connection TypeORM's SQLite driver runs every query on. */
export function sqliteConnection(dataSource: DataSource): Database {
  return (dataSource.driver as unknown as { databaseConnection: Database }).databaseConnection;
}

/** The pg pool TypeORM's PostgreSQL driver takes its connections from. */
export function postgresPool(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}

/** The pg client a query runner holds (connecting it first): its transaction's connection. */
export async function postgresClient(runner: QueryRunner): Promise<PoolClient> {
  return (await runner.connect()) as PoolClient;
}

/** The settings of the pool's connections that a client of its own can take, e.g. in a worker thread (functions do not cross threads). */
const CLIENT_SETTINGS = [
  'connectionString',
  'host',
  'port',
  'user',
  'password',
  'database',
  'ssl',
  'options',
  'application_name',
  'connectionTimeoutMillis',
  'statement_timeout',
  'query_timeout',
  'keepAlive',
] as const;

/** How to open a pg client to the database TypeORM's pool connects to, as its connections are opened. */
export function postgresClientConfig(dataSource: DataSource): ClientConfig {
  const options = (postgresPool(dataSource) as unknown as { options: Record<string, unknown> }).options;
  return Object.fromEntries(
    CLIENT_SETTINGS.filter((key) => options[key] !== undefined && typeof options[key] !== 'function').map((key) => [key, options[key]]),
  );
}
