import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { ActivitySeries } from '../activities/activity-series.entity.js';
import { Occurrence } from '../activities/occurrence.entity.js';
import { AuditEvent } from '../audit/audit-event.entity.js';
import { IdempotencyRecord } from '../common/http/idempotency-record.entity.js';
import { Organization } from '../organizations/organization.entity.js';
import { Partnership } from '../partnerships/partnership.entity.js';
import { Timer } from '../timers/timer.entity.js';
import { User } from '../users/user.entity.js';
import { migrations } from './migrations/index.js';

export const entities = [ActivitySeries, AuditEvent, IdempotencyRecord, Occurrence, Organization, Partnership, Timer, User];

export interface DatabaseSettings {
  dataDir: string;
  databaseUrl?: string;
}

/** SQLite in `$DATA_DIR/partnerships.sqlite` by default: WAL, synchronous=FULL, schema by migrations only. */
export function dataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  mkdirSync(settings.dataDir, { recursive: true });
  return {
    type: 'better-sqlite3',
    database: join(settings.dataDir, 'partnerships.sqlite'),
    enableWAL: true,
    prepareDatabase: (db: { pragma: (sql: string) => unknown }) => {
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
    },
    entities,
    migrations,
    migrationsRun: true,
    synchronize: false,
    logging: false,
  };
}
