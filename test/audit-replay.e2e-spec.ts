import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { hashRecord, type AuditRecord } from '../src/audit/audit-chain.js';
import { canonicalJson } from '../src/common/canonical-json.js';
import { createApiApp, type ApiApp } from './support/api.js';
import { driveOccurrence, drivePartnership, occurrenceIdsOf } from './support/drive.js';
import { postOrganization } from './support/factories.js';
import { buildService } from './support/service-build.js';
import { asText } from './support/web-agent.js';

/** The compiled scripts (what `npm run audit:replay` and `npm run audit:verify` run), built once for the file. */
const scripts = join(dirname(dirname(resolve(buildService('audit-replay-build')))), 'scripts');

interface Run {
  status: number | null;
  result: Record<string, unknown> | undefined;
  stderr: string;
}

function run(script: string, ...args: string[]): Run {
  const done = spawnSync(process.execPath, [join(scripts, script), ...args], { encoding: 'utf8' });
  return { status: done.status, result: done.stdout.trim() ? (JSON.parse(done.stdout) as Record<string, unknown>) : undefined, stderr: done.stderr };
}

type Row = Omit<AuditRecord, 'payload'> & { payload: Record<string, unknown> };

/** SPEC, "Workflows evolve": `npm run audit:replay -- <export.jsonl>` replays every instance of an exported chain offline. */
describe('`npm run audit:replay` over a JSONL export', () => {
  let api: ApiApp;
  let dir: string;
  let rows: Row[];
  let inForceId: string;
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const text = (items: Row[]) => items.map((row) => JSON.stringify(row)).join('\n') + '\n';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-replay-'));
    api = await createApiApp();
    const organizationId = await postOrganization(api);
    inForceId = (await drivePartnership(api, organizationId, 'in_force.active')).id;
    await drivePartnership(api, organizationId, 'senior_management_review');
    const [occurrence] = await occurrenceIdsOf(api, inForceId);
    await driveOccurrence(api, occurrence, 'scheduled');
    const exported = (await api.as('auditor').get('/api/audit/export?format=jsonl').buffer(true).parse(asText).expect(200)).body as string;
    rows = exported
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Row | { checkpoint: unknown })
      .filter((line): line is Row => !('checkpoint' in line));
  }, 180_000);

  afterAll(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replays every instance of a real export: partnerships and occurrences, exit 0 with a summary', () => {
    const replayed = run('audit-replay.js', file('real.jsonl', text(rows)));
    expect(replayed.status).toBe(0);
    const partnerships = new Set(rows.filter((r) => r.entityType === 'partnership' && r.action === 'CREATE').map((r) => r.entityId)).size;
    const occurrences = new Set(rows.filter((r) => r.entityType === 'occurrence' && r.action === 'CREATE').map((r) => r.entityId)).size;
    expect(partnerships).toBe(2);
    expect(occurrences).toBeGreaterThan(0);
    expect(replayed.result).toMatchObject({
      ok: true,
      instances: partnerships + occurrences,
      workflows: { 'partnership-mou@2': partnerships, 'recurring-activity@2': occurrences },
      skipped: 0,
    });
    expect(replayed.stderr).toContain(`every instance replays: ${partnerships + occurrences} instances`);
  });

  it('names the first divergence of an export whose event was changed and the chain hashed again, which verify passes', () => {
    const submitted = rows.find((r) => r.entityId === inForceId && r.action === 'SUBMIT_FOR_APPROVAL') as Row;
    const tampered: Row[] = [];
    let prevHash = '';
    for (const row of rows) {
      let next = row;
      if (row.seq === submitted.seq) {
        const event = row.payload.event as Record<string, unknown>;
        next = { ...row, payload: { ...row.payload, event: { ...event, type: 'WITHDRAW' } } };
      }
      if (row.seq > submitted.seq) next = { ...next, prevHash };
      if (row.seq >= submitted.seq) {
        const { hash: _old, ...body } = next;
        next = { ...next, hash: hashRecord({ ...body, payload: canonicalJson(body.payload) }) };
      }
      prevHash = next.hash;
      tampered.push(next);
    }
    const path = file('tampered.jsonl', text(tampered));
    expect(run('audit-verify.js', path)).toMatchObject({ status: 0, result: { ok: true } });

    const replayed = run('audit-replay.js', path);
    expect(replayed.status).toBe(1);
    expect(replayed.result).toMatchObject({
      ok: false,
      divergence: {
        entityType: 'partnership',
        entityId: inForceId,
        seq: submitted.seq,
        action: 'SUBMIT_FOR_APPROVAL',
        kind: 'step',
        expected: 'senior_management_review',
        got: 'withdrawn',
      },
    });
    expect(replayed.stderr).toContain(
      `partnership ${inForceId} diverges at seq ${submitted.seq} (SUBMIT_FOR_APPROVAL): expected senior_management_review, got withdrawn`,
    );
  });

  it('says why it cannot replay, with exit 2: no such file, the CSV export, a file that is not an export, no arguments', () => {
    const missing = run('audit-replay.js', join(dir, 'no-such-export.jsonl'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^cannot read .*no-such-export\.jsonl: ENOENT/);
    const csv = run('audit-replay.js', file('export.csv', 'seq,occurredAt,actorId\n1,2026-03-02T09:00:00.000Z,admin\n'));
    expect(csv).toMatchObject({ status: 2, result: undefined });
    expect(csv.stderr).toContain('this is the CSV export');
    const notes = run('audit-replay.js', file('notes.txt', 'minutes of the meeting\n'));
    expect(notes.status).toBe(2);
    expect(notes.stderr).toContain('line 1 is not JSON: this is not a JSONL export');
    const bare = run('audit-replay.js');
    expect(bare.status).toBe(2);
    expect(bare.stderr).toContain('usage: npm run audit:replay -- <export.jsonl>');
  });
});
