import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Organizations, partnerships, durable timers and the append-only audit chain. */
export class InitialSchema1764320000000 implements MigrationInterface {
  name = 'InitialSchema1764320000000';

  async up(runner: QueryRunner): Promise<void> {
    const postgres = runner.connection.options.type === 'postgres';
    await runner.query(`CREATE TABLE organizations (
      id varchar(36) PRIMARY KEY,
      name varchar(200) NOT NULL,
      name_key varchar(200) NOT NULL,
      kind varchar(40) NOT NULL,
      country varchar(2) NOT NULL,
      city varchar(120),
      website varchar(300),
      contacts text NOT NULL,
      version integer NOT NULL,
      created_by varchar(64) NOT NULL,
      created_at varchar(30) NOT NULL,
      updated_at varchar(30) NOT NULL
    )`);
    await runner.query(`CREATE INDEX idx_organizations_name ON organizations (name_key)`);
    await runner.query(`CREATE TABLE partnerships (
      id varchar(36) PRIMARY KEY,
      title varchar(300) NOT NULL,
      title_key varchar(300) NOT NULL,
      organization_id varchar(36) NOT NULL REFERENCES organizations (id),
      summary text,
      programme varchar(200),
      focal_point varchar(200),
      notes text,
      proposed_activities text NOT NULL,
      required_approvals integer NOT NULL,
      approval_sla_days integer NOT NULL,
      workflow_id varchar(80) NOT NULL,
      workflow_version integer NOT NULL,
      definition_hash varchar(64) NOT NULL,
      state varchar(80) NOT NULL,
      context text NOT NULL,
      overdue boolean NOT NULL,
      version integer NOT NULL,
      created_by varchar(64) NOT NULL,
      created_at varchar(30) NOT NULL,
      updated_at varchar(30) NOT NULL
    )`);
    await runner.query(`CREATE INDEX idx_partnerships_state ON partnerships (state, created_at)`);
    await runner.query(`CREATE INDEX idx_partnerships_org ON partnerships (organization_id, created_at)`);
    await runner.query(`CREATE INDEX idx_partnerships_created ON partnerships (created_at)`);
    await runner.query(`CREATE INDEX idx_partnerships_title ON partnerships (title_key)`);
    await runner.query(`CREATE TABLE timers (
      id varchar(36) PRIMARY KEY,
      instance_type varchar(40) NOT NULL,
      instance_id varchar(36) NOT NULL,
      event varchar(200) NOT NULL,
      due_at varchar(30) NOT NULL,
      fired_at varchar(30),
      created_at varchar(30) NOT NULL
    )`);
    await runner.query(`CREATE INDEX idx_timers_due ON timers (fired_at, due_at)`);
    await runner.query(`CREATE INDEX idx_timers_instance ON timers (instance_id, event)`);
    await runner.query(`CREATE TABLE audit_events (
      seq integer PRIMARY KEY,
      occurred_at varchar(30) NOT NULL,
      actor_id varchar(64) NOT NULL,
      actor_roles text NOT NULL,
      action varchar(80) NOT NULL,
      entity_type varchar(40) NOT NULL,
      entity_id varchar(64) NOT NULL,
      from_state varchar(80),
      to_state varchar(80),
      workflow_id varchar(80),
      workflow_version integer,
      outcome varchar(40) NOT NULL,
      request_id varchar(80),
      payload text NOT NULL,
      prev_hash varchar(64) NOT NULL,
      hash varchar(64) NOT NULL
    )`);
    await runner.query(`CREATE INDEX idx_audit_entity ON audit_events (entity_id, seq)`);
    await runner.query(`CREATE INDEX idx_audit_actor ON audit_events (actor_id, seq)`);
    await runner.query(`CREATE INDEX idx_audit_occurred ON audit_events (occurred_at)`);
    if (postgres) {
      await runner.query(`CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$ LANGUAGE plpgsql`);
      await runner.query(`CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
      await runner.query(`CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`);
    } else {
      await runner.query(`CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END`);
      await runner.query(`CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END`);
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    if (runner.connection.options.type === 'postgres') {
      await runner.query(`DROP TABLE audit_events`);
      await runner.query(`DROP FUNCTION audit_events_append_only`);
    } else {
      await runner.query(`DROP TABLE audit_events`);
    }
    await runner.query(`DROP TABLE timers`);
    await runner.query(`DROP TABLE partnerships`);
    await runner.query(`DROP TABLE organizations`);
  }
}
