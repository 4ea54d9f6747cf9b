import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Engagements (meetings, visits, events, calls, trips; a trip's meetings name it as their parent)
 * and what each names: its organizations, the people who attended, the staff who went, and the
 * partnerships discussed, in one table of links read by engagement and by what is linked.
 */
export class Engagements1764329700000 implements MigrationInterface {
  name = 'Engagements1764329700000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE engagements (
      id varchar(36) PRIMARY KEY,
      kind varchar(20) NOT NULL,
      title varchar(300) NOT NULL,
      title_key varchar(300) NOT NULL,
      starts_on varchar(10) NOT NULL,
      ends_on varchar(10),
      place varchar(200),
      notes text,
      parent_id varchar(36),
      version integer NOT NULL,
      created_by varchar(64) NOT NULL,
      created_at varchar(30) NOT NULL,
      updated_at varchar(30) NOT NULL
    )`);
    await runner.query(`CREATE INDEX idx_engagements_starts ON engagements (starts_on, id)`);
    await runner.query(`CREATE INDEX idx_engagements_parent ON engagements (parent_id, starts_on)`);
    await runner.query(`CREATE TABLE engagement_links (
      engagement_id varchar(36) NOT NULL REFERENCES engagements (id),
      target_type varchar(20) NOT NULL,
      target_id varchar(36) NOT NULL,
      position integer NOT NULL,
      PRIMARY KEY (engagement_id, target_type, target_id)
    )`);
    await runner.query(`CREATE INDEX idx_engagement_links_target ON engagement_links (target_type, target_id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE engagement_links`);
    await runner.query(`DROP TABLE engagements`);
  }
}
