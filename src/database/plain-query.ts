import type { Database, Statement } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { type DataSource, type EntityManager, QueryFailedError, type QueryRunner, QueryRunnerAlreadyReleasedError } from 'typeorm';
import { postgresClient, sqliteConnection } from './driver-internals.js';

/**
 * Runs one plain SQL statement written with `?` placeholders, numbered `$1, $2, …` for
 * PostgreSQL. For the statements on every request and every transition, where building an entity
 * query costs several times what the database does. Both drivers prepare a text once and then
 * only bind values: better-sqlite3 through a statement cache of its connection (`sqliteStatement`),
 * PostgreSQL through a named statement per connection (`preparedStatementName`). So `sql` must be
 * one of a bounded set of texts, never one built around its values.
 */
export async function plainQuery<T = Record<string, unknown>>(db: DataSource | EntityManager, sql: string, parameters: unknown[]): Promise<T[]> {
  const manager = managerOf(db);
  if (manager.connection.options.type !== 'postgres') {
    const statement = sqliteStatement(manager, sql);
    return onSqlite(sql, parameters, (values) => (statement.reader ? (statement.all(...values) as T[]) : (statement.run(...values), [])));
  }
  return (await onPostgres(manager, sql, parameters)).rows as T[];
}

/** Runs one data-changing statement (`?` placeholders) in the manager's transaction, or on a connection of its own: the rows it changed. */
export async function plainExecute(db: DataSource | EntityManager, sql: string, parameters: unknown[]): Promise<number> {
  const manager = managerOf(db);
  if (manager.connection.options.type === 'postgres') return (await onPostgres(manager, sql, parameters)).rowCount ?? 0;
  const statement = sqliteStatement(manager, sql);
  return onSqlite(sql, parameters, (values) => statement.run(...values).changes);
}

/**
 * The manager a statement runs through. A released query runner is refused: on PostgreSQL it
 * still holds its pg client, which is back in the pool and may be in someone else's transaction.
 */
function managerOf(db: DataSource | EntityManager): EntityManager {
  const manager = 'connection' in db ? db : db.manager;
  if (manager.queryRunner?.isReleased) throw new QueryRunnerAlreadyReleasedError();
  return manager;
}

/** Prepared statements a better-sqlite3 connection has run, by text; as many as TypeORM's own cache keeps, the oldest dropped first. */
const sqliteStatements = new WeakMap<Database, Map<string, Statement>>();
const SQLITE_STATEMENTS = 100;

/**
 * The statement of this text on the one connection TypeORM's SQLite driver shares (a transaction's statements run on it too), prepared once. Run
 * straight on better-sqlite3: TypeORM's query runner costs a logger call, two broadcasts and four awaits a statement on top of it, and the hot path
 * runs nine of them a transition (bench/README, "Cost of the transition path across changes").
 */
function sqliteStatement(manager: EntityManager, sql: string): Statement {
  const connection = sqliteConnection(manager.connection);
  let statements = sqliteStatements.get(connection);
  if (!statements) sqliteStatements.set(connection, (statements = new Map<string, Statement>()));
  let statement = statements.get(sql);
  if (!statement) {
    statement = onSqlite(sql, [], () => connection.prepare(sql));
    statements.set(sql, statement);
    if (statements.size > SQLITE_STATEMENTS) statements.delete(statements.keys().next().value as string);
  }
  return statement;
}

/** Runs `work` with the values as better-sqlite3 binds them (it takes no booleans: 1 and 0, as TypeORM binds them); a failure is a `QueryFailedError`. */
function onSqlite<R>(sql: string, parameters: unknown[], work: (values: unknown[]) => R): R {
  const values = parameters.map((value) => (typeof value === 'boolean' ? Number(value) : value));
  try {
    return work(values);
  } catch (error) {
    throw new QueryFailedError(sql, values, error as Error);
  }
}

/** `?, ?, …` as PostgreSQL's `$1, $2, …`. */
export function numberedPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

const statementNames = new Map<string, string>();

/**
 * The name a PostgreSQL statement text is prepared under on every connection: derived from the
 * text, so the same in every process (and visible as such in `pg_prepared_statements`). Sent
 * with a name, a statement is parsed and planned once per connection and then only bound and
 * executed; unnamed, as TypeORM sends every query, the server parses and plans it each time.
 */
export function preparedStatementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `pe_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * One statement on the pg client under the manager's query runner (its transaction's
 * connection), as a named statement; a failure is a `QueryFailedError`, as TypeORM's own
 * queries fail, so the write queue still tells conflicts and lost connections apart.
 */
function onPostgres(manager: EntityManager, sql: string, parameters: unknown[]) {
  const text = numberedPlaceholders(sql);
  return withRunner(manager, async (runner) => {
    const client = await postgresClient(runner);
    try {
      return await client.query({ name: preparedStatementName(text), text, values: parameters });
    } catch (error) {
      throw new QueryFailedError(text, parameters, error as Error);
    }
  });
}

/** The manager's query runner, or one of its own for this statement, released after it. */
async function withRunner<R>(manager: EntityManager, work: (runner: QueryRunner) => Promise<R>): Promise<R> {
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    return await work(runner);
  } finally {
    if (!manager.queryRunner) await runner.release();
  }
}
