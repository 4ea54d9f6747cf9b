import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { hashRecord, type AuditRecord } from '../src/audit/audit-chain.js';
import { checkpointMessage, keyFingerprint, type Checkpoint } from '../src/audit/audit-checkpoint.js';
import { AuditService, CHECKPOINT_AT_LEAST_EVERY_MS } from '../src/audit/audit.service.js';
import { AuditCheckpoints1764322000000 } from '../src/database/migrations/1764322000000-audit-checkpoints.js';
import { plainQuery } from '../src/database/plain-query.js';
import { OrganizationsService } from '../src/organizations/organizations.service.js';
import { disableAppendOnly } from './support/append-only.js';
import { ADMIN_PASSWORD } from './support/api.js';
import { actors, organizationInput } from './support/factories.js';
import { runMigrationStep } from './support/migrate.js';
import { createTestApp, testDatabaseKind, type TestApp } from './support/test-app.js';

/** Appends `count` rows through the service (one organization each). */
async function addRows(t: TestApp, count: number): Promise<void> {
  const organizations = t.get(OrganizationsService);
  // No contacts: each would become a person, with an audit row of its own.
  for (let i = 0; i < count; i += 1) await organizations.create(organizationInput({ name: `Organization ${i}`, contacts: [] }), actors.manager);
}

async function headSeq(dataSource: DataSource): Promise<number> {
  const [head] = await dataSource.query('SELECT max(seq) AS seq FROM audit_events');
  return Number(head.seq);
}

async function allCheckpoints(audit: AuditService): Promise<Checkpoint[]> {
  return (await audit.listCheckpoints(200, 0)).items;
}

function recordOf(row: Record<string, unknown>): Omit<AuditRecord, 'hash'> {
  return {
    seq: Number(row.seq),
    occurredAt: row.occurred_at as string,
    actorId: row.actor_id as string,
    actorRoles: JSON.parse(row.actor_roles as string),
    action: row.action as string,
    entityType: row.entity_type as string,
    entityId: row.entity_id as string,
    fromState: row.from_state as string | null,
    toState: row.to_state as string | null,
    workflowId: row.workflow_id as string | null,
    workflowVersion: row.workflow_version === null ? null : Number(row.workflow_version),
    outcome: row.outcome as string,
    requestId: row.request_id as string | null,
    payload: row.payload as string,
    prevHash: row.prev_hash as string,
  };
}

/**
 * What whoever holds the database would do to rewrite history without `verify()` noticing the
 * chain: change row `from`'s payload, then hash it and every row after it again, each linked to
 * the one before.
 */
async function rewriteAndRehash(dataSource: DataSource, from: number): Promise<void> {
  await disableAppendOnly(dataSource);
  const rows = await plainQuery<Record<string, unknown>>(dataSource, 'SELECT * FROM audit_events WHERE seq >= ? ORDER BY seq', [from]);
  let prevHash = rows[0].prev_hash as string;
  for (const row of rows) {
    const record = { ...recordOf(row), prevHash, ...(Number(row.seq) === from ? { payload: '{"forged":true}' } : {}) };
    prevHash = hashRecord(record);
    await plainQuery(dataSource, 'UPDATE audit_events SET payload = ?, prev_hash = ?, hash = ? WHERE seq = ?', [
      record.payload,
      record.prevHash,
      prevHash,
      record.seq,
    ]);
  }
}

describe('signed checkpoints of the audit chain', () => {
  describe('every AUDIT_CHECKPOINT_EVERY rows', () => {
    let t: TestApp;
    let audit: AuditService;
    let dataSource: DataSource;

    beforeEach(async () => {
      t = await createTestApp({ env: { AUDIT_CHECKPOINT_EVERY: '5' } });
      audit = t.get(AuditService);
      dataSource = t.get(DataSource);
      await addRows(t, 16);
    });

    afterEach(() => t.close());

    it('signs one in the transaction of every fifth row, with the service’s key, over the row’s seq and hash', async () => {
      const head = await headSeq(dataSource);
      expect(head).toBeGreaterThanOrEqual(16);
      const checkpoints = await allCheckpoints(audit);
      const multiples = Array.from({ length: Math.floor(head / 5) }, (_, i) => 5 * (i + 1));
      expect(checkpoints.map((c) => c.seq)).toEqual(multiples);
      const publicKey = createPublicKey(audit.publicKeyPem());
      for (const checkpoint of checkpoints) {
        const [row] = await plainQuery<{ hash: string }>(dataSource, 'SELECT hash FROM audit_events WHERE seq = ?', [checkpoint.seq]);
        expect(checkpoint).toEqual({
          seq: checkpoint.seq,
          hash: row.hash,
          signedAt: t.clock.now().toISOString(),
          keyFingerprint: keyFingerprint(publicKey),
          signature: expect.any(String),
        });
        expect(verify(null, checkpointMessage(checkpoint), publicKey, Buffer.from(checkpoint.signature, 'base64'))).toBe(true);
      }
      // The message is documented: RFC 8785 JSON of these four fields.
      expect(checkpointMessage(checkpoints[0]).toString()).toBe(
        `{"hash":"${checkpoints[0].hash}","seq":5,"signedAt":"${checkpoints[0].signedAt}","type":"partnership-engine/audit-checkpoint/v1"}`,
      );
      expect(await audit.verify()).toEqual({
        ok: true,
        events: head,
        headHash: expect.any(String),
        checkpoints: { checked: multiples.length, lastSeq: multiples[multiples.length - 1] },
        documents: { checked: 0, bad: [] },
      });
    });

    it('does not verify a chain rewritten and hashed again from some row on, and names the checkpoint it contradicts', async () => {
      await rewriteAndRehash(dataSource, 7);
      expect(await audit.verify()).toEqual({
        ok: false,
        firstBadSeq: 10,
        reason: expect.stringMatching(
          /^row 10 does not have the hash that checkpoint 10 signed at \S+ \([0-9a-f]{64}\): the chain was rewritten after row 5, the last one a checkpoint confirms$/,
        ),
        events: 9,
        documents: { checked: 0, bad: [] },
      });
    });

    it('does not verify a chain whose tail was cut below its last checkpoint', async () => {
      await disableAppendOnly(dataSource);
      await dataSource.query('DELETE FROM audit_events WHERE seq > 12');
      expect(await audit.verify()).toEqual({
        ok: false,
        firstBadSeq: 13,
        reason: expect.stringMatching(/^checkpoint 15, signed at \S+, names row 15, but the chain ends at row 12: the rows after it were cut$/),
        events: 12,
        documents: { checked: 0, bad: [] },
      });
    });

    it('does not verify rows written again at the seqs of a cut tail, and keeps appending meanwhile', async () => {
      await disableAppendOnly(dataSource);
      await dataSource.query('DELETE FROM audit_events WHERE seq > 12');
      // The next rows reuse seqs 13… (no trigger can know a deleted seq): the one at 15 is not the row checkpoint 15 signed.
      await addRows(t, 4);
      expect(await headSeq(dataSource)).toBe(16);
      expect((await allCheckpoints(audit)).map((c) => c.seq)).toEqual([5, 10, 15]);
      expect(await audit.verify()).toMatchObject({
        ok: false,
        firstBadSeq: 15,
        reason: expect.stringMatching(/^row 15 does not have the hash that checkpoint 15 signed .*: the chain was rewritten after row 10/),
      });
    });

    it('does not verify a checkpoint whose signature is not the service’s', async () => {
      await disableAppendOnly(dataSource);
      const [checkpoint] = await plainQuery<{ signature: string }>(dataSource, 'SELECT signature FROM audit_checkpoints WHERE seq = 10', []);
      const forged = Buffer.from(checkpoint.signature, 'base64');
      forged[0] ^= 1;
      await plainQuery(dataSource, 'UPDATE audit_checkpoints SET signature = ? WHERE seq = 10', [forged.toString('base64')]);
      expect(await audit.verify()).toMatchObject({
        ok: false,
        firstBadSeq: 10,
        reason: expect.stringMatching(
          /^checkpoint 10, signed at \S+, has a signature that does not verify under the service's key \(fingerprint [0-9a-f]{64}\): it was altered or forged$/,
        ),
      });
    });

    it('keeps the checkpoints append-only, one per seq, each naming a row with its hash', async () => {
      const [original] = await plainQuery<Record<string, unknown>>(dataSource, 'SELECT * FROM audit_checkpoints WHERE seq = 5', []);
      const columns = Object.keys(original);
      const insert = (verb: string, values: Record<string, unknown>, tail = '') =>
        plainQuery(
          dataSource,
          `${verb} audit_checkpoints (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})${tail}`,
          columns.map((c) => values[c]),
        );
      const other = { ...original, signature: 'forged' };
      await expect(insert('INSERT INTO', other)).rejects.toThrow(/append-only|duplicate key/);
      await expect(insert('INSERT INTO', other, ' ON CONFLICT (seq) DO UPDATE SET signature = excluded.signature')).rejects.toThrow(/append-only/);
      if (testDatabaseKind === 'sqlite') await expect(insert('REPLACE INTO', other)).rejects.toThrow(/append-only/);
      await expect(dataSource.query(`UPDATE audit_checkpoints SET signature = 'forged' WHERE seq = 5`)).rejects.toThrow(/append-only/);
      await expect(dataSource.query('DELETE FROM audit_checkpoints WHERE seq = 5')).rejects.toThrow(/append-only/);
      if (testDatabaseKind === 'postgres') await expect(dataSource.query('TRUNCATE audit_checkpoints')).rejects.toThrow(/append-only/);
      const [row] = await plainQuery<{ hash: string }>(dataSource, 'SELECT hash FROM audit_events WHERE seq = 11', []);
      await expect(insert('INSERT INTO', { ...original, seq: 11 })).rejects.toThrow(/names a row of audit_events with its hash/);
      await expect(insert('INSERT INTO', { ...original, seq: 999, hash: row.hash })).rejects.toThrow(/names a row of audit_events with its hash/);
      expect(await plainQuery(dataSource, 'SELECT * FROM audit_checkpoints WHERE seq = 5', [])).toEqual([original]);
      expect(await audit.verify()).toMatchObject({ ok: true });
    });
  });

  describe('at least hourly while rows are added', () => {
    let t: TestApp;
    let audit: AuditService;

    beforeEach(async () => {
      t = await createTestApp({ env: { AUDIT_CHECKPOINT_EVERY: '1000' } });
      audit = t.get(AuditService);
    });

    afterEach(() => t.close());

    it('signs the head when the last checkpoint is an hour old and rows were added since, and only then', async () => {
      const head = async () => headSeq(t.get(DataSource));
      // None yet: the head is signed at once.
      expect(await audit.checkpointIfDue()).toMatchObject({ seq: await head(), signedAt: t.clock.now().toISOString() });
      await addRows(t, 3);
      expect(await audit.checkpointIfDue()).toBeUndefined();
      t.clock.set(new Date(t.clock.now().getTime() + CHECKPOINT_AT_LEAST_EVERY_MS - 1));
      expect(await audit.checkpointIfDue()).toBeUndefined();
      t.clock.set(new Date(t.clock.now().getTime() + 1));
      const hourly = await audit.checkpointIfDue();
      expect(hourly).toMatchObject({ seq: await head(), signedAt: t.clock.now().toISOString() });
      // No row since: nothing to sign, however long it waits.
      t.clock.set(new Date(t.clock.now().getTime() + 5 * CHECKPOINT_AT_LEAST_EVERY_MS));
      expect(await audit.checkpointIfDue()).toBeUndefined();
      expect((await allCheckpoints(audit)).map((c) => c.seq)).toEqual([expect.any(Number), hourly!.seq]);
      expect(await audit.verify()).toMatchObject({ ok: true, checkpoints: { checked: 2, lastSeq: hourly!.seq } });
    });
  });

  it('gives one checkpoint per seq, each naming a row with its hash, when appends and checkpoints race', async () => {
    const t = await createTestApp({ env: { AUDIT_CHECKPOINT_EVERY: '3' } });
    try {
      const audit = t.get(AuditService);
      const organizations = t.get(OrganizationsService);
      t.clock.set(new Date(t.clock.now().getTime() + CHECKPOINT_AT_LEAST_EVERY_MS));
      // On PostgreSQL these run side by side on pooled connections, as several instances would.
      const ticks: Array<Promise<unknown>> = [];
      await Promise.all(
        Array.from({ length: 24 }, async (_, i) => {
          await organizations.create(organizationInput({ name: `Racing ${i}` }), actors.manager);
          if (i % 4 === 0) {
            t.clock.set(new Date(t.clock.now().getTime() + CHECKPOINT_AT_LEAST_EVERY_MS));
            ticks.push(audit.checkpointIfDue());
          }
        }),
      );
      await Promise.all(ticks);
      const head = await headSeq(t.get(DataSource));
      const seqs = (await allCheckpoints(audit)).map((c) => c.seq);
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(seqs).toEqual(expect.arrayContaining(Array.from({ length: Math.floor(head / 3) }, (_, i) => 3 * (i + 1))));
      expect(await audit.verify()).toMatchObject({ ok: true, checkpoints: { checked: seqs.length, lastSeq: Math.max(...seqs) } });
    } finally {
      await t.close();
    }
  });

  it('goes back with its migration’s down() (no checkpoints, the chain as before) and forward again with up()', async () => {
    const t = await createTestApp({ env: { AUDIT_CHECKPOINT_EVERY: '5' } });
    try {
      const dataSource = t.get(DataSource);
      await addRows(t, 5);
      const tables = async () =>
        (testDatabaseKind === 'sqlite'
          ? await dataSource.query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'audit_checkpoints'`)
          : await dataSource.query(
              `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'audit_checkpoints'`,
            )
        ).length;
      await runMigrationStep(dataSource, new AuditCheckpoints1764322000000(), 'down');
      expect(await tables()).toBe(0);
      if (testDatabaseKind === 'sqlite') {
        // The seq guard goes with it: REPLACE is what it was before.
        const [row] = await plainQuery<Record<string, unknown>>(dataSource, 'SELECT * FROM audit_events WHERE seq = 2', []);
        await plainQuery(
          dataSource,
          `REPLACE INTO audit_events (${Object.keys(row).join(', ')}) VALUES (${Object.keys(row)
            .map(() => '?')
            .join(', ')})`,
          Object.values(row),
        );
      }
      await runMigrationStep(dataSource, new AuditCheckpoints1764322000000(), 'up');
      expect(await tables()).toBe(1);
      await addRows(t, 5);
      expect(await t.get(AuditService).verify()).toMatchObject({ ok: true, checkpoints: { checked: 1, lastSeq: 10 } });
    } finally {
      await t.close();
    }
  });

  describe('after a restart', () => {
    it('says that the checkpoints were signed by another key when the service’s key changed, instead of verifying', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'partnership-engine-'));
      const env = { AUDIT_CHECKPOINT_EVERY: '5', ADMIN_PASSWORD };
      const first = await createTestApp({ dataDir, env });
      await addRows(first, 6);
      const before = createPublicKey(first.get(AuditService).publicKeyPem());
      expect(statSync(join(dataDir, 'audit-signing-key')).mode & 0o777).toBe(0o600);
      expect(await first.get(AuditService).verify()).toMatchObject({ ok: true, checkpoints: { checked: 1, lastSeq: 5 } });
      await first.close();

      // The same key file: the same key, and the chain still verifies.
      const again = await createTestApp({ dataDir, env });
      expect(keyFingerprint(createPublicKey(again.get(AuditService).publicKeyPem()))).toBe(keyFingerprint(before));
      expect(await again.get(AuditService).verify()).toMatchObject({ ok: true });
      await again.close();

      const otherKey = join(dataDir, 'another-key');
      const restarted = await createTestApp({ dataDir, env: { ...env, AUDIT_SIGNING_KEY_FILE: otherKey } });
      try {
        const now = keyFingerprint(createPublicKey(restarted.get(AuditService).publicKeyPem()));
        expect(now).not.toBe(keyFingerprint(before));
        const http = restarted.app.getHttpServer();
        const login = await request(http).post('/api/auth/login').send({ username: 'admin', password: ADMIN_PASSWORD }).expect(200);
        const verified = await request(http).get('/api/audit/verify').set('Authorization', `Bearer ${login.body.accessToken}`).expect(200);
        expect(verified.body).toEqual({
          ok: false,
          firstBadSeq: 5,
          reason: `checkpoint 5 was signed by another key (fingerprint ${keyFingerprint(before)}); the service's key is ${now}`,
          events: 4,
          documents: { checked: 0, bad: [] },
        });
      } finally {
        delete process.env.AUDIT_SIGNING_KEY_FILE;
        await restarted.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });

    it('refuses to start with a key file that holds no Ed25519 private key', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'partnership-engine-'));
      writeFileSync(join(dataDir, 'not-a-key'), 'hello');
      try {
        await expect(createTestApp({ env: { AUDIT_SIGNING_KEY_FILE: join(dataDir, 'not-a-key') } })).rejects.toThrow(
          `AUDIT_SIGNING_KEY_FILE ${join(dataDir, 'not-a-key')} does not hold a private key in PEM`,
        );
      } finally {
        delete process.env.AUDIT_SIGNING_KEY_FILE;
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
});
