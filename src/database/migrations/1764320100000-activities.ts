import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Activity series of MOUs and their occurrences, each a `recurring-activity` instance. */
export class Activities1764320100000 implements MigrationInterface {
  name = 'Activities1764320100000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE activity_series (
      id varchar(36) PRIMARY KEY,
      partnership_id varchar(36) NOT NULL REFERENCES partnerships (id),
      position integer NOT NULL,
      kind varchar(40) NOT NULL,
      title varchar(300) NOT NULL,
      recurrence text NOT NULL,
      starts_on varchar(10),
      created_by varchar(64) NOT NULL,
      created_at varchar(30) NOT NULL
    )`);
    await runner.query(`CREATE UNIQUE INDEX idx_series_partnership ON activity_series (partnership_id, position)`);
    await runner.query(`CREATE TABLE occurrences (
      id varchar(36) PRIMARY KEY,
      series_id varchar(36) NOT NULL REFERENCES activity_series (id),
      partnership_id varchar(36) NOT NULL REFERENCES partnerships (id),
      term_number integer NOT NULL,
      due_on varchar(10) NOT NULL,
      workflow_id varchar(80) NOT NULL,
      workflow_version integer NOT NULL,
      definition_hash varchar(64) NOT NULL,
      state varchar(80) NOT NULL,
      context text NOT NULL,
      version integer NOT NULL,
      created_at varchar(30) NOT NULL,
      updated_at varchar(30) NOT NULL
    )`);
    await runner.query(`CREATE UNIQUE INDEX idx_occurrences_series_due ON occurrences (series_id, due_on)`);
    await runner.query(`CREATE INDEX idx_occurrences_partnership ON occurrences (partnership_id, due_on)`);
    await runner.query(`CREATE INDEX idx_occurrences_due ON occurrences (due_on)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE occurrences`);
    await runner.query(`DROP TABLE activity_series`);
  }
}
