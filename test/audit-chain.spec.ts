import { DataSource } from 'typeorm';
import { AuditService } from '../src/audit/audit.service.js';
import { OrganizationsService } from '../src/organizations/organizations.service.js';
import { PartnershipsService } from '../src/partnerships/partnerships.service.js';
import { actors, organizationInput, partnershipInput } from './support/factories.js';
import { createTestApp, testDatabaseKind, type TestApp } from './support/test-app.js';

async function seed(t: TestApp, count: number): Promise<void> {
  const organizations = t.get(OrganizationsService);
  const partnerships = t.get(PartnershipsService);
  const org = await organizations.create(organizationInput(), actors.manager);
  for (let i = 0; i < count; i += 1) {
    const p = await partnerships.create(partnershipInput(org.id, { title: `Proposal ${i}` }), actors.manager);
    await partnerships.send(p.id, { type: 'SUBMIT_FOR_APPROVAL', actor: actors.manager, expectedVersion: 1 });
  }
}

/** `?` placeholders become `$1, $2…` on PostgreSQL. */
function sql(text: string): string {
  let n = 0;
  return testDatabaseKind === 'postgres' ? text.replace(/\?/g, () => `$${(n += 1)}`) : text;
}

/** What an attacker with raw database access would do first: switch off the append-only triggers. */
async function disableAppendOnly(dataSource: DataSource): Promise<void> {
  if (testDatabaseKind === 'postgres') {
    await dataSource.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
  } else {
    await dataSource.query('DROP TRIGGER IF EXISTS audit_events_no_delete');
    await dataSource.query('DROP TRIGGER IF EXISTS audit_events_no_update');
  }
}

describe('the audit chain', () => {
  let t: TestApp;
  let dataSource: DataSource;
  let audit: AuditService;

  beforeEach(async () => {
    t = await createTestApp();
    dataSource = t.get(DataSource);
    audit = t.get(AuditService);
    await seed(t, 3);
  });

  afterEach(() => t.close());

  it('links every row to the one before it and verifies', async () => {
    const result = await audit.verify();
    const rows = await dataSource.query('SELECT seq, prev_hash, hash FROM audit_events ORDER BY seq');
    // First-start admin, one organization, three proposals created and submitted.
    expect(rows.length).toBeGreaterThanOrEqual(7);
    expect(result).toEqual({ ok: true, events: rows.length, headHash: rows[rows.length - 1].hash });
    expect(rows[0].prev_hash).toBe('0'.repeat(64));
    for (let i = 1; i < rows.length; i += 1) expect(rows[i].prev_hash).toBe(rows[i - 1].hash);
  });

  it('is append-only: the database refuses UPDATE and DELETE', async () => {
    await expect(dataSource.query(`UPDATE audit_events SET outcome = 'ok' WHERE seq = 2`)).rejects.toThrow(/append-only/);
    await expect(dataSource.query(`DELETE FROM audit_events WHERE seq = 2`)).rejects.toThrow(/append-only/);
    if (testDatabaseKind === 'postgres') await expect(dataSource.query(`TRUNCATE audit_events`)).rejects.toThrow(/append-only/);
    expect(await audit.verify()).toMatchObject({ ok: true });
  });

  it.each([
    ['the payload', `payload = '{"forged":true}'`],
    ['the actor', `actor_id = 'someone-else'`],
    ['the time', `occurred_at = '2020-01-01T00:00:00.000Z'`],
    ['the outcome', `outcome = 'denied'`],
    ['the to-state', `to_state = 'mou_drafting'`],
  ])('names the seq of a row whose %s was edited in raw SQL', async (_what, assignment) => {
    for (const seq of [1, 4, 7]) {
      await disableAppendOnly(dataSource);
      const before = await dataSource.query(sql(`SELECT * FROM audit_events WHERE seq = ?`), [seq]);
      await dataSource.query(sql(`UPDATE audit_events SET ${assignment} WHERE seq = ?`), [seq]);
      expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: seq });
      const original = before[0];
      await dataSource.query(
        sql(`UPDATE audit_events SET payload = ?, actor_id = ?, occurred_at = ?, outcome = ?, to_state = ? WHERE seq = ?`),
        [original.payload, original.actor_id, original.occurred_at, original.outcome, original.to_state, seq],
      );
      expect(await audit.verify()).toMatchObject({ ok: true });
    }
  });

  it('names the first missing seq when a row is deleted, and a forged rehash breaks the next link', async () => {
    await disableAppendOnly(dataSource);
    await dataSource.query('DELETE FROM audit_events WHERE seq = 5');
    expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: 6 });
  });
});
