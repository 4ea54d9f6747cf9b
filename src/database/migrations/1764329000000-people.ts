import { randomUUID } from 'node:crypto';
import type { MigrationInterface, QueryRunner } from 'typeorm';

interface StoredContact {
  name?: unknown;
  title?: unknown;
  email?: unknown;
}

const textOrNull = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value : null);

/**
 * People and their affiliations, and organizations within organizations (`parent_id`: a centre
 * within a university). Every organization's `contacts` becomes a person of its own, affiliated to
 * it with the contact's title: no contact is merged with another or dropped. The contacts stay on
 * the organization as they were, so going down loses nothing either. `parent_id` has no REFERENCES:
 * SQLite cannot drop a column that has one; the service checks that the parent exists.
 */
export class People1764329000000 implements MigrationInterface {
  name = 'People1764329000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE people (
      id varchar(36) PRIMARY KEY,
      name varchar(200) NOT NULL,
      name_key varchar(200) NOT NULL,
      email varchar(320),
      phone varchar(40),
      notes text,
      version integer NOT NULL,
      created_by varchar(64) NOT NULL,
      created_at varchar(30) NOT NULL,
      updated_at varchar(30) NOT NULL
    )`);
    await runner.query(`CREATE INDEX idx_people_name ON people (name_key)`);
    await runner.query(`CREATE TABLE affiliations (
      person_id varchar(36) NOT NULL REFERENCES people (id),
      organization_id varchar(36) NOT NULL REFERENCES organizations (id),
      title varchar(200),
      position integer NOT NULL,
      PRIMARY KEY (person_id, organization_id)
    )`);
    await runner.query(`CREATE INDEX idx_affiliations_organization ON affiliations (organization_id)`);
    await runner.query(`ALTER TABLE organizations ADD COLUMN parent_id varchar(36)`);
    await runner.query(`CREATE INDEX idx_organizations_parent ON organizations (parent_id)`);

    const organizations = (await runner.query(`SELECT id, contacts, created_by, created_at FROM organizations ORDER BY created_at, id`)) as Array<{
      id: string;
      contacts: string;
      created_by: string;
      created_at: string;
    }>;
    const postgres = runner.connection.options.type === 'postgres';
    const placeholders = (count: number) => Array.from({ length: count }, (_, i) => (postgres ? `$${i + 1}` : '?')).join(', ');
    for (const organization of organizations) {
      let contacts: StoredContact[];
      try {
        const parsed: unknown = JSON.parse(organization.contacts);
        contacts = Array.isArray(parsed) ? (parsed as StoredContact[]) : [];
      } catch {
        contacts = [];
      }
      for (const contact of contacts) {
        const name = textOrNull(contact?.name);
        if (!name) continue;
        const id = randomUUID();
        await runner.query(
          `INSERT INTO people (id, name, name_key, email, phone, notes, version, created_by, created_at, updated_at) VALUES (${placeholders(10)})`,
          [id, name, name.toLowerCase(), textOrNull(contact.email), null, null, 1, organization.created_by, organization.created_at, organization.created_at],
        );
        await runner.query(`INSERT INTO affiliations (person_id, organization_id, title, position) VALUES (${placeholders(4)})`, [
          id,
          organization.id,
          textOrNull(contact.title),
          0,
        ]);
      }
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX idx_organizations_parent`);
    await runner.query(`ALTER TABLE organizations DROP COLUMN parent_id`);
    await runner.query(`DROP TABLE affiliations`);
    await runner.query(`DROP TABLE people`);
  }
}
