import type { DataSource, MigrationInterface } from 'typeorm';

/** Runs one migration's own up() or down() in a transaction, leaving the migrations after it in place. */
export async function runMigrationStep(dataSource: DataSource, migration: MigrationInterface, step: 'up' | 'down'): Promise<void> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.startTransaction();
    await migration[step](runner);
    await runner.commitTransaction();
  } finally {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    await runner.release();
  }
}
