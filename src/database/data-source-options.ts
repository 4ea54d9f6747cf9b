import { Document } from '../documents/document.entity.js';
import { PartnerLink } from '../documents/partner-links/partner-link.entity.js';
import { dirname, join } from 'node:path';
import { DataSource, type DataSourceOptions, QueryFailedError } from 'typeorm';
import { ActivitySeries } from '../activities/activity-series.entity.js';
import { Occurrence } from '../activities/occurrence.entity.js';
import { Delegation } from '../approvals/delegation.entity.js';
import { AuditCheckpoint } from '../audit/audit-checkpoint.entity.js';
import { AuditEvent } from '../audit/audit-event.entity.js';
import { CalendarToken } from '../calendar/calendar-token.entity.js';
import { ensurePrivateDirectory, ensurePrivateFile, makePrivateIfPresent } from '../common/private-files.js';
import { IdempotencyRecord } from '../common/http/idempotency-record.entity.js';
import { MailOutboxRow } from '../notifications/mail/mail-outbox.entity.js';
import { Notification } from '../notifications/notification.entity.js';
import { Organization } from '../organizations/organization.entity.js';
import { Engagement, EngagementLink } from '../engagements/engagement.entity.js';
import { FollowUp } from '../engagements/follow-up.entity.js';
import { Affiliation } from '../people/affiliation.entity.js';
import { Person } from '../people/person.entity.js';
import { Partnership } from '../partnerships/partnership.entity.js';
import { Timer } from '../timers/timer.entity.js';
import { UserSession } from '../users/user-session.entity.js';
import { User } from '../users/user.entity.js';
import { shareDataDir, type DataDirLock } from './data-dir-lock.js';
import { migrations } from './migrations/index.js';

export const entities = [
  ActivitySeries,
  Affiliation,
  AuditCheckpoint,
  AuditEvent,
  CalendarToken,
  Delegation,
  Document,
  Engagement,
  EngagementLink,
  FollowUp,
  IdempotencyRecord,
  MailOutboxRow,
  Notification,
  Occurrence,
  Organization,
  PartnerLink,
  Partnership,
  Person,
  Timer,
  User,
  UserSession,
];

export interface DatabaseSettings {
  dataDir: string;
  /** `postgres://…` selects PostgreSQL; without it the service runs on the embedded SQLite file. */
  databaseUrl?: string;
  /** An existing PostgreSQL schema to keep the tables in, its name checked by the configuration. */
  databaseSchema?: string;
}

/** Key of the session lock that keeps instances (and test clean-up) from migrating at the same time. */
export const MIGRATION_LOCK = 0x70656d67;
/** Errors that mean "the server is not reachable (yet)", worth retrying at start; anything else stops start-up. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', '57P03', '53300']);

export function isUnreachable(error: unknown): boolean {
  return !(error instanceof QueryFailedError) && UNREACHABLE.has(String((error as { code?: unknown } | null)?.code));
}

/**
 * SQLite in `$DATA_DIR/partnerships.sqlite` by default: WAL, synchronous=FULL. With a
 * `postgres://` URL, PostgreSQL, optionally in its own schema. Schema by migrations only, run by
 * `openDataSource` at start.
 */
export function dataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  const common = { entities, migrations, migrationsRun: false, synchronize: false, logging: false } as const;
  if (settings.databaseUrl) {
    const schema = settings.databaseSchema;
    return {
      type: 'postgres',
      url: settings.databaseUrl,
      ...(schema ? { schema } : {}),
      // An idle pool does not keep the process alive: an app whose start failed still exits.
      extra: { allowExitOnIdle: true, ...(schema ? { options: `-c search_path=${schema}` } : {}) },
      ...common,
    };
  }
  // Readable by the service's user only. SQLite gives the -wal and -shm files it creates the
  // database file's mode; those an older version left readable to others are made private here.
  ensurePrivateDirectory(settings.dataDir);
  const database = join(settings.dataDir, 'partnerships.sqlite');
  ensurePrivateFile(database);
  for (const companion of ['-wal', '-shm']) makePrivateIfPresent(`${database}${companion}`);
  return {
    type: 'better-sqlite3',
    database,
    enableWAL: true,
    prepareDatabase: (db: { pragma: (sql: string) => unknown }) => {
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
    },
    ...common,
  };
}

/**
 * Connects and brings the schema up to date. Several instances may start at once on one
 * database, so migrations run under a lock: a session advisory lock on PostgreSQL, the write lock
 * (BEGIN IMMEDIATE) on SQLite.
 */
export async function openDataSource(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = options.type === 'better-sqlite3' ? new SqliteDataSource(options, shareDataDir(dirname(options.database))) : new DataSource(options);
  try {
    await dataSource.initialize();
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  try {
    await migrate(dataSource);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

/**
 * The SQLite file's data source holds its share of DATA_DIR's lock (see data-dir-lock.ts) until it is closed, so that no restore replaces the file
 * under it.
 */
class SqliteDataSource extends DataSource {
  constructor(
    options: DataSourceOptions,
    private readonly lock: DataDirLock,
  ) {
    super(options);
  }

  override async destroy(): Promise<void> {
    try {
      if (this.isInitialized) await super.destroy();
    } finally {
      this.lock.release();
    }
  }
}

async function migrate(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  try {
    if (dataSource.options.type === 'postgres') {
      await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        const schema = dataSource.options.schema;
        if (schema && ((await runner.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])) as unknown[]).length === 0) {
          throw new Error(`DATABASE_SCHEMA "${schema}" does not exist; create it first (CREATE SCHEMA ${schema})`);
        }
        await dataSource.runMigrations({ transaction: 'all' });
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      }
    } else {
      // TypeORM's SQLite runners share one connection, so this transaction is the migrations' too.
      await runner.query('BEGIN IMMEDIATE');
      try {
        await dataSource.runMigrations({ transaction: 'none' });
        await runner.query('COMMIT');
      } catch (error) {
        await runner.query('ROLLBACK');
        throw error;
      }
    }
  } finally {
    await runner.release();
  }
}
