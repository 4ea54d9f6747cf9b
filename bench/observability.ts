import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { machine, phase, round, SCALE, tempDir } from './support.js';

/**
 * `npm run bench:observability`: what logging and metrics cost the HTTP figures. The `http` phase
 * runs BENCH_ROUNDS times (default 4) with the service logging each request and timing it for
 * /metrics, and as often with neither (BENCH_OBSERVABILITY=off), alternated on, off, off, on, … so
 * that a drift of the machine's load falls on both alike, on SQLite, each run on a fresh DATA_DIR.
 * Prints the median of each figure for each and writes every run to bench/results/observability-<time>.json.
 */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 4));

type Mode = 'on' | 'off';

interface Rate {
  connections: number;
  perSecond: number;
  serverCpuUsPerRequest: number;
}
/** The part of the http phase's answer this comparison reads. */
interface HttpFigures {
  observed: boolean;
  requestLines: number;
  timedRequests: number | null;
  runs: Array<Rate & { answer: 'minimal' | 'view' }>;
  floors: Rate[];
}
interface Run {
  mode: Mode;
  round: number;
  loadAverageBefore: number[];
  loadAverageAfter: number[];
  figures: HttpFigures;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const startedAt = new Date();
const host = machine();
const runs: Run[] = [];
for (let n = 1; n <= ROUNDS; n += 1) {
  for (const mode of (n % 2 ? ['on', 'off'] : ['off', 'on']) as Mode[]) {
    const dataDir = tempDir('data');
    const loadAverageBefore = loadavg().map((l) => round(l, 1));
    try {
      const figures = await phase<HttpFigures>('http', { BENCH_DB: 'sqlite', DATA_DIR: dataDir, BENCH_OBSERVABILITY: mode });
      // An "on" run must have logged and timed its requests, an "off" run neither, or the comparison compares nothing.
      if (mode === 'on' ? figures.requestLines === 0 || !figures.timedRequests : figures.requestLines !== 0 || figures.timedRequests !== null) {
        throw new Error(`round ${n}, ${mode}: the service logged ${figures.requestLines} request lines and timed ${figures.timedRequests} requests`);
      }
      runs.push({ mode, round: n, loadAverageBefore, loadAverageAfter: loadavg().map((l) => round(l, 1)), figures });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

const what = { floor: 'GET /api/auth/me (floor)', minimal: 'transition, return=minimal', view: 'transition, whole view' };
const rowsOf = (run: Run) => [
  ...run.figures.floors.map((rate) => ({ ...rate, answer: 'floor' as const })),
  ...run.figures.runs.map((rate) => ({ ...rate, answer: rate.answer })),
];
const table = [
  '| figure | connections | on: requests/s (median) | off: requests/s (median) | on / off | server CPU µs a request, on / off (median) |',
  '|---|---|---|---|---|---|',
];
const summary: Array<Record<string, unknown>> = [];
for (const answer of ['floor', 'minimal', 'view'] as const) {
  for (const connections of [1, 10, 50]) {
    const pick = (mode: Mode) =>
      runs.filter((run) => run.mode === mode).flatMap((run) => rowsOf(run).filter((row) => row.answer === answer && row.connections === connections));
    const [on, off] = [pick('on'), pick('off')];
    const rate = { on: median(on.map((row) => row.perSecond)), off: median(off.map((row) => row.perSecond)) };
    const cpu = { on: median(on.map((row) => row.serverCpuUsPerRequest)), off: median(off.map((row) => row.serverCpuUsPerRequest)) };
    summary.push({
      answer,
      connections,
      perSecond: rate,
      serverCpuUsPerRequest: cpu,
      onRuns: on.map((r) => r.perSecond),
      offRuns: off.map((r) => r.perSecond),
    });
    table.push(
      `| ${what[answer]} | ${connections} | ${round(rate.on, 0)} (${on.map((r) => round(r.perSecond, 0)).join(', ')}) | ${round(rate.off, 0)} (${off.map((r) => round(r.perSecond, 0)).join(', ')}) | ${round(rate.on / rate.off, 2)} | ${round(cpu.on, 0)} / ${round(cpu.off, 0)} |`,
    );
  }
}
const loads = runs.flatMap((run) => [run.loadAverageBefore[0], run.loadAverageAfter[0]]);
process.stdout.write(
  `\n${ROUNDS} rounds each, BENCH_SCALE=${SCALE}, SQLite; 1-minute load average ${Math.min(...loads)}–${Math.max(...loads)} on ${host.nproc} CPUs\n\n${table.join('\n')}\n`,
);
mkdirSync(join('bench', 'results'), { recursive: true });
const file = join('bench', 'results', `observability-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(
  file,
  `${JSON.stringify({ startedAt: startedAt.toISOString(), scale: SCALE, rounds: ROUNDS, machine: { ...host, loadAverageAtEnd: loadavg() }, summary, runs }, null, 2)}\n`,
);
process.stdout.write(`\nwritten to ${file}\n`);
