import type { DataSource } from 'typeorm';
import { testDatabaseKind } from './test-app.js';

/** What an attacker with raw database access would do first: switch off the append-only triggers. */
export async function disableAppendOnly(dataSource: DataSource): Promise<void> {
  if (testDatabaseKind === 'postgres') {
    await dataSource.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
  } else {
    await dataSource.query('DROP TRIGGER IF EXISTS audit_events_no_delete');
    await dataSource.query('DROP TRIGGER IF EXISTS audit_events_no_update');
  }
}
