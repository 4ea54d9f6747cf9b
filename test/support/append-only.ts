import type { DataSource } from 'typeorm';
import { testDatabaseKind } from './test-app.js';

/** What an attacker with raw database access would do first: switch off the append-only triggers. */
export async function disableAppendOnly(dataSource: DataSource): Promise<void> {
  if (testDatabaseKind === 'postgres') {
    await dataSource.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
    await dataSource.query('ALTER TABLE audit_checkpoints DISABLE TRIGGER USER');
  } else {
    for (const trigger of [
      'audit_events_no_delete',
      'audit_events_no_update',
      'audit_events_no_reuse',
      'audit_checkpoints_no_delete',
      'audit_checkpoints_no_update',
      'audit_checkpoints_no_reuse',
      'audit_checkpoints_names_row',
    ]) {
      await dataSource.query(`DROP TRIGGER IF EXISTS ${trigger}`);
    }
  }
}
