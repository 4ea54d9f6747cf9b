import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { buildService } from './support/service-build.js';
import { freePort, waitForReady } from './support/service-process.js';
import { createDatabase, databaseEnv, dropDatabase, testDatabaseKind } from './support/test-app.js';

/**
 * The real service as a child process, killed with SIGKILL at random points of a stream of
 * transitions and restarted on the same database: a SQLite file, or on PostgreSQL a schema of its
 * own. After every kill: nothing acknowledged is lost, state and audit agree row for row, the
 * SQLite file is sound (PRAGMA integrity_check), pending timers keep their due time; after every
 * restart: the chain verifies and timers that fell due still fire. CRASH_SEED picks other kill
 * points.
 */
const SEED = Number(process.env.CRASH_SEED ?? 20261128);
/** Kills in the middle of the stream; one more ends the run. CRASH_KILLS asks for more (a longer soak). */
const KILLS = Number(process.env.CRASH_KILLS ?? 6);
const WORKERS = 4;
/** When a kill waits for an MOU to come into force, it comes at the latest after this many more acknowledged writes. */
const MAX_ACKS_BEFORE_KILL = 300;
const ADMIN_PASSWORD = 'crash-admin-password';
const PASSWORD = 'crash user password';
const DAY_MS = 86_400_000;

/** mulberry32: small, seedable, good enough to pick kill points reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Ack {
  requestId: string;
  partnershipId: string;
  version: number;
  state: string;
}

interface View {
  id: string;
  state: string;
  version: number;
  submittedAt: string | null;
  drafts: unknown[];
  signatures: { partner: unknown; own: unknown };
}

/** Reads what the killed service left behind, with `?` placeholders on either database. */
interface Store {
  rows<T>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

async function openStore(dataDir: string): Promise<Store> {
  const { DATABASE_URL: url, DATABASE_SCHEMA: schema } = databaseEnv(dataDir);
  if (url) {
    const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
    await client.connect();
    return {
      rows: async <T>(sql: string, params: unknown[] = []) => {
        let n = 0;
        return (
          await client.query(
            sql.replace(/\?/g, () => `$${++n}`),
            params,
          )
        ).rows as T[];
      },
      close: () => client.end(),
    };
  }
  const db = new Database(join(dataDir, 'partnerships.sqlite'));
  return { rows: async <T>(sql: string, params: unknown[] = []) => db.prepare(sql).all(...params) as T[], close: async () => void db.close() };
}

class Service {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  port = 0;
  main = '';

  constructor(private readonly dataDir: string) {}

  get base(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  async start(): Promise<void> {
    this.port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(this.port),
      ADMIN_PASSWORD,
      TIMER_POLL_MS: '50',
      WORKFLOWS_DIR: 'workflows',
      RATE_LIMIT_WRITES_PER_MINUTE: '1000000',
    };
    delete env.DATABASE_URL;
    delete env.DATABASE_SCHEMA;
    delete env.NODE_OPTIONS;
    Object.assign(env, databaseEnv(this.dataDir));
    const log = openSync(join(this.dataDir, 'service.log'), 'a');
    const child = spawn(process.execPath, [this.main], { env, stdio: ['ignore', log, log, 'ipc'] });
    closeSync(log);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitForReady(child, () => `the service did not start; its log ends:\n${this.logTail()}`);
  }

  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
    this.child = undefined;
  }

  logTail(): string {
    return readFileSync(join(this.dataDir, 'service.log'), 'utf8').split('\n').slice(-30).join('\n');
  }
}

describe(`kill -9 during a stream of transitions on ${testDatabaseKind === 'postgres' ? 'PostgreSQL' : 'SQLite'} (seed ${SEED})`, () => {
  const random = prng(SEED);
  const dataDir = mkdtempSync(join(tmpdir(), 'partnership-crash-'));
  const service = new Service(dataDir);
  const acks: Ack[] = [];
  const unexpected: string[] = [];
  /** Per partnership, the approval-SLA timer seen pending at the previous kill. */
  let pendingSla = new Map<string, { id: string; due_at: string }>();
  let tokens: { manager: string; approver: string; auditor: string };
  let requestCounter = 0;
  let partnershipCounter = 0;
  let organizationId: string;
  let dueTimersCarriedOverACrash = 0;

  beforeAll(async () => {
    service.main = buildService('crash-e2e-build');
    await createDatabase(dataDir);
  }, 120_000);

  afterAll(async () => {
    await service.kill();
    await dropDatabase(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function call(method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}) {
    const requestId = `crash-${++requestCounter}`;
    const response = await fetch(`${service.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': requestId, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, requestId };
  }

  async function setUp(): Promise<void> {
    const login = async (username: string, password: string) => {
      const response = await fetch(`${service.base}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      return ((await response.json()) as { accessToken: string }).accessToken;
    };
    const admin = await login('admin', ADMIN_PASSWORD);
    for (const [username, roles] of [
      ['manager', ['manager']],
      ['approver', ['approver']],
      ['auditor', ['auditor']],
    ] as const) {
      const created = await call('POST', '/users', admin, { username, password: PASSWORD, roles });
      expect(created.status).toBe(201);
    }
    tokens = { manager: await login('manager', PASSWORD), approver: await login('approver', PASSWORD), auditor: await login('auditor', PASSWORD) };
    const org = await call('POST', '/organizations', tokens.manager, { name: 'Crash University', kind: 'university', country: 'PK' });
    expect(org.status).toBe(201);
    organizationId = org.body.id;
  }

  /**
   * One worker's stream: partnerships taken from proposal to an MOU whose term lies in the past
   * (so its renewal and expiry timers fall due at once), and every third one parked in review
   * with a one-day approval SLA, edited there so its version moves while its timer waits.
   */
  async function worker(stop: { now: boolean }, onInForce: () => void, onAck: () => void): Promise<void> {
    let current: View | undefined;
    let parked = false;
    let edits = 0;
    const acknowledge = (result: { status: number; body: View; requestId: string }) => {
      acks.push({ requestId: result.requestId, partnershipId: result.body.id, version: result.body.version, state: result.body.state });
      current = result.body;
      onAck();
    };
    while (!stop.now) {
      let result: { status: number; body: View & { code?: string }; requestId: string };
      try {
        if (!current || current.state.startsWith('in_force') || current.state === 'expired' || (parked && edits >= 3)) {
          partnershipCounter += 1;
          parked = partnershipCounter % 3 === 0;
          edits = 0;
          result = await call('POST', '/partnerships', tokens.manager, {
            title: `Crash partnership ${partnershipCounter}`,
            organizationId,
            summary: 'An annual lecture.',
            proposedActivities: [{ kind: 'annual_lecture', title: 'Lecture', recurrence: { frequency: 'yearly', month: 6, day: 1 } }],
            approvalSlaDays: 1,
          });
          if (result.status === 201) acknowledge(result);
          else unexpected.push(`create: ${result.status} ${JSON.stringify(result.body)}`);
          continue;
        }
        const p = current;
        const send = (token: string, body: Record<string, unknown>, version = p.version) =>
          call('POST', `/partnerships/${p.id}/events`, token, body, { 'if-match': `"${version}"` });
        if (random() < 0.08) {
          // A stale write: refused with 412 and audited as denied, changing nothing.
          result = await send(tokens.manager, { type: 'WITHDRAW' }, p.version - 1);
          if (result.status !== 412) unexpected.push(`stale write: ${result.status} ${JSON.stringify(result.body)}`);
          continue;
        }
        if (p.state === 'proposal') result = await send(tokens.manager, { type: 'SUBMIT_FOR_APPROVAL' });
        else if (p.state === 'senior_management_review' && parked) {
          edits += 1;
          result = await call('PATCH', `/partnerships/${p.id}`, tokens.manager, { notes: `edit ${edits}` }, { 'if-match': `"${p.version}"` });
        } else if (p.state === 'senior_management_review') result = await send(tokens.approver, { type: 'APPROVE' });
        else if (p.state === 'mou_drafting' || (p.state === 'mou_negotiation' && p.drafts.length < 2)) {
          result = await send(tokens.manager, { type: 'SHARE_DRAFT', data: { document: { name: `draft ${p.drafts.length + 1}`, sha256: 'ab'.repeat(32) } } });
        } else if (p.state === 'mou_negotiation') {
          // A year's term that ends today (the service's real clock): its renewal window and its past occurrence's grace period are due at once.
          const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
          result = await send(tokens.manager, { type: 'AGREE_TEXT', data: { effectiveFrom: day(Date.now() - 364 * DAY_MS), expiresOn: day(Date.now()) } });
        } else if (p.state === 'awaiting_signatures') {
          const party = p.signatures.partner ? 'own' : 'partner';
          result = await send(tokens.manager, { type: 'RECORD_SIGNATURE', data: { party, signatory: `${party} signatory`, signedOn: '2020-01-01' } });
        } else {
          unexpected.push(`no step for state ${p.state}`);
          return;
        }
        if (result.status === 200) {
          acknowledge(result);
          if (result.body.state.startsWith('in_force')) onInForce();
        } else if (result.status === 412) {
          // A timer moved it meanwhile: read it again.
          current = (await call('GET', `/partnerships/${p.id}`, tokens.manager)).body;
        } else {
          unexpected.push(`${p.state}: ${result.status} ${JSON.stringify(result.body)}`);
          return;
        }
      } catch {
        return; // the service is gone: whatever was in flight is unacknowledged
      }
    }
  }

  /**
   * Drives WORKERS streams until a random number of further writes has been acknowledged, or just
   * after an MOU comes into force, then kills: points in the work, not in real time.
   */
  async function driveAndKill(): Promise<void> {
    const stop = { now: false };
    const afterInForce = random() < 0.4;
    const killAtAcks = acks.length + (afterInForce ? MAX_ACKS_BEFORE_KILL : 3 + Math.floor(random() * 40));
    let trigger!: () => void;
    const inForce = new Promise<void>((resolve) => (trigger = resolve));
    let reached!: () => void;
    const enough = new Promise<void>((resolve) => (reached = resolve));
    const streams = Array.from({ length: WORKERS }, () => worker(stop, trigger, () => acks.length >= killAtAcks && reached()));
    // All streams ending (each stops at an unexpected answer) also ends the wait.
    await Promise.race([afterInForce ? Promise.race([inForce, enough]) : enough, Promise.all(streams)]);
    await service.kill();
    stop.now = true;
    await Promise.all(streams);
  }

  /** What must hold in the database the killed process left behind; returns the ids of the timers due. */
  async function checkStore(): Promise<string[]> {
    const store = await openStore(dataDir);
    try {
      if (testDatabaseKind === 'sqlite') expect(await store.rows('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
      const partnerships = await store.rows<{ id: string; state: string; version: number; context: string }>(
        'SELECT id, state, version, context FROM partnerships',
      );
      const byId = new Map(partnerships.map((p) => [p.id, p]));

      for (const ack of acks) {
        const row = byId.get(ack.partnershipId);
        expect(row).toBeDefined();
        expect(row!.version).toBeGreaterThanOrEqual(ack.version);
        if (row!.version === ack.version) expect(row!.state).toBe(ack.state);
        const [audited] = await store.rows<{ n: number | string }>(
          `SELECT count(*) AS n FROM audit_events WHERE request_id = ? AND entity_id = ? AND outcome = 'ok'`,
          [ack.requestId, ack.partnershipId],
        );
        expect({ ack: ack.requestId, rows: Number(audited.n) }).toEqual({ ack: ack.requestId, rows: 1 });
      }

      // Every change of a workflow instance is one `ok` audit row of it, and its last row names its state.
      for (const table of ['partnerships', 'occurrences']) {
        const mismatches = await store.rows(
          `SELECT * FROM (
             SELECT i.id, i.version, i.state, count(a.seq) AS audited,
                    (SELECT to_state FROM audit_events l WHERE l.entity_id = i.id AND l.outcome = 'ok' ORDER BY l.seq DESC LIMIT 1) AS last_state
               FROM ${table} i LEFT JOIN audit_events a ON a.entity_id = i.id AND a.outcome = 'ok'
              GROUP BY i.id, i.version, i.state
           ) m WHERE m.audited <> m.version OR m.last_state IS DISTINCT FROM m.state`,
        );
        expect({ table, mismatches }).toEqual({ table, mismatches: [] });
      }
      const orphans = await store.rows(
        `SELECT a.seq, a.entity_id FROM audit_events a
          WHERE a.outcome = 'ok' AND a.entity_type IN ('partnership', 'occurrence')
            AND NOT EXISTS (SELECT 1 FROM partnerships p WHERE p.id = a.entity_id)
            AND NOT EXISTS (SELECT 1 FROM occurrences o WHERE o.id = a.entity_id)`,
      );
      expect(orphans).toEqual([]);

      // Timers: never two pending for one instance and event; a review's SLA timer is due one day after its submission, unchanged across crashes.
      const doubled = await store.rows(
        'SELECT instance_id, event, count(*) AS n FROM timers WHERE fired_at IS NULL GROUP BY instance_id, event HAVING count(*) > 1',
      );
      expect(doubled).toEqual([]);
      const sla = new Map<string, { id: string; due_at: string }>();
      for (const p of partnerships.filter((row) => row.state === 'senior_management_review')) {
        const timers = await store.rows<{ id: string; due_at: string }>(
          `SELECT id, due_at FROM timers WHERE instance_id = ? AND fired_at IS NULL AND event LIKE 'xstate.after.approvalSla.%'`,
          [p.id],
        );
        const submittedAt = (JSON.parse(p.context) as { submittedAt: string }).submittedAt;
        expect(timers).toEqual([{ id: expect.any(String), due_at: new Date(Date.parse(submittedAt) + DAY_MS).toISOString() }]);
        const before = pendingSla.get(p.id);
        if (before) expect(timers[0]).toEqual(before);
        sla.set(p.id, timers[0]);
      }
      pendingSla = sla;
      const due = await store.rows<{ id: string }>('SELECT id FROM timers WHERE fired_at IS NULL AND due_at <= ?', [new Date().toISOString()]);
      return due.map((t) => t.id);
    } finally {
      await store.close();
    }
  }

  /** After a restart: the chain verifies, and the timers that were due at the kill fire. */
  async function checkRestarted(dueAtKill: string[]): Promise<void> {
    const verify = await call('GET', '/audit/verify', tokens.auditor);
    expect(verify).toMatchObject({ status: 200, body: { ok: true } });
    if (dueAtKill.length === 0) return;
    const store = await openStore(dataDir);
    try {
      // The restarted service fires what fell due before it listens and says it is ready (TimersService.onApplicationBootstrap).
      const [{ n: left }] = await store.rows<{ n: number | string }>(
        `SELECT count(*) AS n FROM timers WHERE fired_at IS NULL AND id IN (${dueAtKill.map(() => '?').join(',')})`,
        dueAtKill,
      );
      expect({ dueAtKill: dueAtKill.length, unfiredAfterRestart: Number(left) }).toEqual({ dueAtKill: dueAtKill.length, unfiredAfterRestart: 0 });
      dueTimersCarriedOverACrash += dueAtKill.length;
    } finally {
      await store.close();
    }
  }

  it(`keeps every acknowledged transition, the audit chain and the timers through ${KILLS + 1} kills`, async () => {
    await service.start();
    await setUp();
    for (let kill = 1; kill <= KILLS; kill += 1) {
      await driveAndKill();
      const dueAtKill = await checkStore();
      await service.start();
      await checkRestarted(dueAtKill);
    }
    // One more look at the whole database the last restart left.
    await service.kill();
    await checkStore();
    expect(unexpected).toEqual([]);
    // The run did exercise what it claims to: many acknowledged writes, MOUs in force, waiting and due timers.
    expect({
      acknowledged: acks.length > 50,
      inForce: acks.some((a) => a.state.startsWith('in_force')),
      pendingSlaTimers: pendingSla.size > 0,
      dueTimersCarriedOverACrash: dueTimersCarriedOverACrash > 0,
    }).toEqual({ acknowledged: true, inForce: true, pendingSlaTimers: true, dueTimersCarriedOverACrash: true });
  }, 150_000);
});
