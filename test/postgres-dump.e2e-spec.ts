import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { VerifyReport } from '../src/audit/audit-checkpoint.js';
import { AuditService } from '../src/audit/audit.service.js';
import { DocumentsService } from '../src/documents/documents.service.js';
import { actors, createProposal, sendFromCurrent } from './support/factories.js';
import { createDatabase, createTestApp, databaseEnv, testDatabaseKind, testPostgresUrl } from './support/test-app.js';

const run = promisify(execFile);

/**
 * The README's PostgreSQL backup, command for command: `pg_dump` of the service's schema, the
 * schema lost, `pg_restore` of the dump. The restored schema verifies (rows, checkpoints), and keeps
 * what the service relies on beyond the rows: the audit table's triggers and the sequences.
 */
(testDatabaseKind === 'postgres' ? describe : describe.skip)('a PostgreSQL schema backed up with pg_dump and restored with pg_restore', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'partnership-pg-dump-'));
  const dump = join(dataDir, 'partnerships.dump');
  let client: pg.Client;
  let schema: string;

  beforeAll(async () => {
    await createDatabase(dataDir);
    schema = databaseEnv(dataDir).DATABASE_SCHEMA;
    client = new pg.Client({ connectionString: testPostgresUrl });
    await client.connect();
  });

  afterAll(async () => {
    await client.end();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** What pg_dump must carry besides the rows: the schema's triggers (with how they fire) and its sequences' positions. */
  async function machinery(): Promise<{ triggers: string[]; sequences: string[] }> {
    const triggers = await client.query<{ t: string }>(
      `SELECT c.relname || '.' || t.tgname || ':' || t.tgenabled::text AS t FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND NOT t.tgisinternal ORDER BY 1`,
      [schema],
    );
    const sequences = await client.query<{ s: string }>(
      `SELECT sequencename || ':' || coalesce(last_value, 0) AS s FROM pg_sequences WHERE schemaname = $1 ORDER BY 1`,
      [schema],
    );
    return { triggers: triggers.rows.map((row) => row.t), sequences: sequences.rows.map((row) => row.s) };
  }

  it('verifies after the restore, to the same head, with its checkpoints, triggers and sequences, and takes new rows', async () => {
    const env = { AUDIT_CHECKPOINT_EVERY: '3' };
    const before = await createTestApp({ dataDir, env });
    let verified: VerifyReport;
    try {
      for (let i = 0; i < 4; i += 1) {
        const proposal = await createProposal(before, { title: `Dumped proposal ${i}` });
        await sendFromCurrent(before, proposal.id, 'SUBMIT_FOR_APPROVAL', actors.manager);
      }
      // A stored document of three chunks, which verify re-hashes after the restore.
      const scan = Buffer.concat([Buffer.from('ffd8ffe0', 'hex'), randomBytes(2.5 * 1024 * 1024 - 4)]);
      const path = join(dataDir, 'scan.jpg');
      writeFileSync(path, scan);
      const sha256 = createHash('sha256').update(scan).digest('hex');
      await before.get(DocumentsService).upload({ fields: { kind: 'other' }, name: 'scan.jpg', path, size: scan.length, sha256 }, actors.manager);
      verified = await before.get(AuditService).verify();
    } finally {
      await before.close();
    }
    if (!verified.ok) throw new Error(`the chain did not verify before the dump: ${verified.reason}`);
    expect(verified.checkpoints.checked).toBeGreaterThan(2);
    expect(verified.documents).toEqual({ checked: 1, bad: [] });
    const kept = await machinery();
    expect(kept.triggers).toEqual(
      expect.arrayContaining([expect.stringMatching(/^audit_events\.audit_events_no_update:A$/), 'blob_chunks.blob_chunks_no_change:O']),
    );
    expect(kept.sequences.length).toBeGreaterThan(0);

    await run('pg_dump', ['--format=custom', `--schema=${schema}`, `--file=${dump}`, testPostgresUrl!]);
    await client.query(`DROP SCHEMA ${schema} CASCADE`);
    await run('pg_restore', [`--dbname=${testPostgresUrl!}`, '--exit-on-error', '--single-transaction', dump]);
    expect(await machinery()).toEqual(kept);

    const after = await createTestApp({ dataDir, env });
    try {
      const audit = after.get(AuditService);
      expect(await audit.verify()).toEqual(verified);
      await expect(client.query(`UPDATE ${schema}.audit_events SET action = 'REWRITTEN' WHERE seq = 1`)).rejects.toThrow(/append-only|not allowed|refuse/i);
      // Three new rows: the organization (no contacts, which would each become a person with a row), the proposal, its submission.
      const proposal = await createProposal(after, { title: 'After the restore' }, { organization: { contacts: [] } });
      await sendFromCurrent(after, proposal.id, 'SUBMIT_FOR_APPROVAL', actors.manager);
      expect(await audit.verify()).toMatchObject({ ok: true, events: verified.events + 3 });
    } finally {
      await after.close();
    }
  });
});
