import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `occurs_on` on occurrences: the date an occurrence is expected on (its scheduled date once there
 * is one, else its due date), mirrored from the context by ActivitiesService, with an index ending
 * in `id`. The calendar feed and the upcoming list read a window of dates through it, a page at a
 * time, instead of every occurrence whose due date might have been moved into the window.
 */
export class OccurrenceOccursOn1764325100000 implements MigrationInterface {
  name = 'OccurrenceOccursOn1764325100000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE occurrences ADD COLUMN occurs_on varchar(10)`);
    const scheduled =
      runner.connection.options.type === 'postgres'
        ? `CASE WHEN jsonb_typeof(context::jsonb -> 'date') = 'string' THEN context::jsonb ->> 'date' END`
        : `CASE WHEN json_type(context, '$.date') = 'text' THEN json_extract(context, '$.date') END`;
    await runner.query(`UPDATE occurrences SET occurs_on = COALESCE(${scheduled}, due_on)`);
    await runner.query(`CREATE INDEX idx_occurrences_occurs ON occurrences (occurs_on, id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX idx_occurrences_occurs`);
    await runner.query(`ALTER TABLE occurrences DROP COLUMN occurs_on`);
  }
}
