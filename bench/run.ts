import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freshSchema, machine, phase, round, SCALE, tempDir, type DatabaseKind, type Latency } from './support.js';

/**
 * `npm run bench`: every figure next to a baseline measured in the same run on the same machine,
 * each phase in a process of its own (so its peak RSS is its own). SQLite always; PostgreSQL too
 * when DATABASE_URL is set. Prints a table and writes the same figures to bench/results/<time>.json.
 */
interface Rate {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerTransition?: number;
}
interface Size {
  partnerships: number;
  auditRows: number;
  list: Latency;
  listByState: Latency;
  search: Latency;
  history: Latency;
  report: Latency;
  engagements: number;
  followUps: number;
  timeline: Latency;
  followUpList: Latency;
}
interface Throughput {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMb: number;
}
/** What each phase answers (its BENCH_RESULT line). */
interface Figures {
  /** The PostgreSQL server, when that is the database. */
  server?: string;
  raw: Rate & { peakRssMb: number };
  service: { runs: Array<Rate & { callers: number }>; peakRssMb: number };
  http: {
    runs: Array<Rate & { connections: number; answer: 'minimal' | 'view'; non2xx: number; serverCpuUsPerRequest: number }>;
    /** `GET /api/auth/me` at each connection count: the HTTP floor. */
    floors: Array<Rate & { connections: number; non2xx: number; serverCpuUsPerRequest: number }>;
    serverPeakRssMb: number;
    peakRssMb: number;
    /** false with BENCH_OBSERVABILITY=off: the service logged no request and timed none. */
    observed: boolean;
    /** The service's request log lines, and the requests its /metrics histogram counted (null: no /metrics). */
    requestLines: number;
    timedRequests: number | null;
  };
  growth: { small: Size; large: Size; peakRssMb: number };
  verify: Throughput;
  sha: Throughput;
  upload: {
    files: number;
    fileMb: number;
    httpMbPerSecond: number;
    rawMbPerSecond: number;
    serverPeakRssBeforeMb: number;
    serverPeakRssMb: number;
    peakRssMb: number;
  };
}

interface Row {
  database: DatabaseKind;
  figure: string;
  measured: string;
  baseline: string;
  ratio: number | null;
  target: string;
  met: boolean | null;
  peakRssMb: string;
}

/** Each phase gets storage of its own; growth, verify and the hashing baseline share the bulk data. */
async function runAll(database: DatabaseKind): Promise<Figures> {
  const schemas: string[] = [];
  const dirs: string[] = [];
  const postgres = database === 'postgres' ? new pg.Client({ connectionString: process.env.DATABASE_URL }) : undefined;
  await postgres?.connect();
  const storage = async (): Promise<Record<string, string>> => {
    const dir = tempDir('data');
    dirs.push(dir);
    if (!postgres) return { BENCH_DB: database, DATA_DIR: dir };
    const schema = freshSchema();
    schemas.push(schema);
    await postgres.query(`CREATE SCHEMA ${schema}`);
    return { BENCH_DB: database, DATA_DIR: dir, DATABASE_URL: process.env.DATABASE_URL as string, DATABASE_SCHEMA: schema };
  };
  try {
    const server = postgres
      ? ((await postgres.query(`SELECT version() || ', synchronous_commit=' || current_setting('synchronous_commit') AS v`)).rows[0] as { v: string }).v
      : undefined;
    const raw = await phase<Figures['raw']>('raw-insert', await storage());
    const service = await phase<Figures['service']>('service-layer', await storage());
    const http = await phase<Figures['http']>('http', await storage());
    const bulk = await storage();
    const growth = await phase<Figures['growth']>('growth', bulk);
    const verify = await phase<Figures['verify']>('verify', bulk);
    const sha = await phase<Figures['sha']>('sha-baseline', bulk);
    const upload = await phase<Figures['upload']>('upload', await storage());
    return { ...(server ? { server } : {}), raw, service, http, growth, verify, sha, upload };
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    for (const schema of schemas) await postgres?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await postgres?.end();
  }
}

const perSecond = (n: number) => `${round(n, 0)}/s`;
const callers = (n: number) => `${n} caller${n === 1 ? '' : 's'}`;
const rss = (...mb: number[]) => mb.map((m) => `${m}`).join(' + ');

function rows(database: DatabaseKind, f: Figures): Row[] {
  const out: Row[] = [];
  const add = (figure: string, measured: string, baseline: string, ratio: number, target: string, met: boolean, peak: string) =>
    out.push({ database, figure, measured, baseline, ratio: round(ratio, 3), target, met, peakRssMb: peak });
  const raw = f.raw.perSecond;
  for (const run of f.service.runs) {
    add(
      `service layer, ${callers(run.callers)} (transitions/s)`,
      `${perSecond(run.perSecond)} (p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, ${run.cpuUsPerTransition} µs CPU each)`,
      `raw INSERT transactions ${perSecond(raw)} (peak RSS ${f.raw.peakRssMb} MiB)`,
      run.perSecond / raw,
      '≥ 0.5',
      run.perSecond / raw >= 0.5,
      rss(f.service.peakRssMb),
    );
  }
  // Each count in order: the floor, then the two answers. Stable sort: the floor stays first.
  const httpRuns = [...f.http.floors.map((run) => ({ ...run, answer: 'floor' as const })), ...f.http.runs].sort((a, b) => a.connections - b.connections);
  const what = {
    floor: 'floor: GET /api/auth/me, no transition (requests/s)',
    minimal: 'Prefer: return=minimal (transitions/s)',
    view: 'whole view as the answer (transitions/s)',
  };
  for (const run of httpRuns) {
    // The service layer at the same concurrency: the difference is the HTTP layer alone.
    const base = f.service.runs.find((s) => s.callers === run.connections);
    if (!base) throw new Error(`no service-layer run with ${run.connections} callers to compare HTTP with`);
    // Judged: the minimal answer, the service layer's work over HTTP. Reported beside it: the
    // whole view as the answer, work the service-layer figure does not do, and the floor, an
    // authenticated request that changes nothing, which no event request can outrun.
    const judged = run.answer === 'minimal';
    const ratio = run.perSecond / base.perSecond;
    out.push({
      database,
      figure: `HTTP, ${run.connections} connection${run.connections === 1 ? '' : 's'}, ${what[run.answer]}`,
      measured: `${perSecond(run.perSecond)} (p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, non-2xx ${run.non2xx}, ${run.serverCpuUsPerRequest} µs server CPU each)`,
      baseline: `service layer, ${callers(base.callers)}: ${perSecond(base.perSecond)}`,
      ratio: round(ratio, 3),
      target: judged ? '≥ 0.5' : '(no target)',
      met: judged ? ratio >= 0.5 : null,
      peakRssMb: `server ${f.http.serverPeakRssMb}, load generator ${f.http.peakRssMb}`,
    });
  }
  const { small, large } = f.growth;
  for (const [key, label, target] of [
    ['list', 'list, first page with total (p50 ms)', true],
    ['search', 'title search (p50 ms)', true],
    ['history', "one partnership's history (p50 ms)", true],
    ['listByState', 'list filtered by state prefix (p50 ms)', false],
    ['report', 'pipeline report (p50 ms)', false],
  ] as const) {
    const ratio = large[key].p50Ms / small[key].p50Ms;
    out.push({
      database,
      figure: `${label}, ${large.partnerships} vs ${small.partnerships} partnerships`,
      measured: `${large[key].p50Ms} ms at ${large.auditRows} audit rows`,
      baseline: `${small[key].p50Ms} ms at ${small.auditRows} audit rows`,
      ratio: round(ratio, 2),
      target: target ? '≤ 2' : '(no target)',
      met: target ? ratio <= 2 : null,
      peakRssMb: rss(f.growth.peakRssMb),
    });
  }
  for (const [key, label] of [
    ['timeline', "an organization's timeline, first page with total (p50 ms)"],
    ['followUpList', "one owner's open follow-ups, first page with total (p50 ms)"],
  ] as const) {
    const ratio = large[key].p50Ms / small[key].p50Ms;
    out.push({
      database,
      figure: `${label}, ${large.engagements} vs ${small.engagements} engagements`,
      measured: `${large[key].p50Ms} ms at ${large.followUps} follow-ups`,
      baseline: `${small[key].p50Ms} ms at ${small.followUps} follow-ups`,
      ratio: round(ratio, 2),
      target: '≤ 2',
      met: ratio <= 2,
      peakRssMb: rss(f.growth.peakRssMb),
    });
  }
  add(
    'verify() (audit rows/s)',
    `${perSecond(f.verify.rowsPerSecond)} over ${f.verify.rows} rows (${f.verify.seconds} s)`,
    `raw SHA-256 of the same canonical rows ${perSecond(f.sha.rowsPerSecond)} (peak RSS ${f.sha.peakRssMb} MiB)`,
    f.verify.rowsPerSecond / f.sha.rowsPerSecond,
    '≥ 0.5',
    f.verify.rowsPerSecond / f.sha.rowsPerSecond >= 0.5,
    rss(f.verify.peakRssMb),
  );
  const { upload } = f;
  out.push({
    database,
    figure: `upload of a ${upload.fileMb} MB file over HTTP (MB/s)`,
    measured: `${upload.httpMbPerSecond} MB/s over ${upload.files} files`,
    baseline: `raw INSERT of the same bytes, a transaction each: ${upload.rawMbPerSecond} MB/s`,
    ratio: round(upload.httpMbPerSecond / upload.rawMbPerSecond, 3),
    target: '(no target)',
    met: null,
    peakRssMb: `server ${upload.serverPeakRssBeforeMb} before the uploads, ${upload.serverPeakRssMb} after; load generator ${upload.peakRssMb}`,
  });
  return out;
}

function table(all: Row[]): string {
  const header = ['db', 'figure', 'measured', 'baseline (same run)', 'ratio', 'target', 'met', 'peak RSS MiB'];
  const cells = all.map((r) => [
    r.database,
    r.figure,
    r.measured,
    r.baseline,
    String(r.ratio),
    r.target,
    r.met === null ? '' : r.met ? 'yes' : 'NO',
    r.peakRssMb,
  ]);
  return [header, header.map(() => '---'), ...cells].map((c) => `| ${c.join(' | ')} |`).join('\n');
}

const startedAt = new Date();
const host = machine();
process.stderr.write(`benchmark, scale ${SCALE}, on ${host.nproc} CPU(s), load ${host.loadAverageAtStart.join(' ')}\n`);
const databases: DatabaseKind[] = process.env.DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
const figures: Record<string, Figures> = {};
const all: Row[] = [];
for (const database of databases) {
  figures[database] = await runAll(database);
  all.push(...rows(database, figures[database]));
}
const finishedAt = new Date();
const report = {
  startedAt: startedAt.toISOString(),
  finishedAt: finishedAt.toISOString(),
  scale: SCALE,
  machine: { ...host, loadAverageAtEnd: loadavg().map((l) => round(l, 2)) },
  table: all,
  figures,
};
mkdirSync(join('bench', 'results'), { recursive: true });
const file = join('bench', 'results', `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(
  `\n${table(all)}\n\nload average ${host.loadAverageAtStart.join(' ')} at start, ${report.machine.loadAverageAtEnd.join(' ')} at end; ${Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000)} s; figures in ${file}\n`,
);
