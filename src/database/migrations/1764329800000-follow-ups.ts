import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Follow-ups: instances of the `follow-up` workflow, each promised at an engagement, with an owner
 * (a user) and a due date. `overdue` mirrors the context, so that lists and "my work" filter on it
 * through an index.
 */
export class FollowUps1764329800000 implements MigrationInterface {
  name = 'FollowUps1764329800000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE follow_ups (
      id varchar(36) PRIMARY KEY,
      engagement_id varchar(36) NOT NULL REFERENCES engagements (id),
      title varchar(300) NOT NULL,
      owner_id varchar(36) NOT NULL,
      due_on varchar(10) NOT NULL,
      organization_id varchar(36),
      partnership_id varchar(36),
      overdue boolean NOT NULL,
      created_by varchar(64) NOT NULL,
      workflow_id varchar(80) NOT NULL,
      workflow_version integer NOT NULL,
      definition_hash varchar(64) NOT NULL,
      state varchar(80) NOT NULL,
      context text NOT NULL,
      version integer NOT NULL,
      created_at varchar(30) NOT NULL,
      updated_at varchar(30) NOT NULL
    )`);
    await runner.query(`CREATE INDEX idx_follow_ups_engagement ON follow_ups (engagement_id, due_on)`);
    await runner.query(`CREATE INDEX idx_follow_ups_owner ON follow_ups (owner_id, state, due_on)`);
    await runner.query(`CREATE INDEX idx_follow_ups_due ON follow_ups (state, due_on, id)`);
    await runner.query(`CREATE INDEX idx_follow_ups_organization ON follow_ups (organization_id, due_on)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE follow_ups`);
  }
}
