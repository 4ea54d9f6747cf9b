import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module.js';
import type { Actor } from '../src/workflow-engine/workflow.types.js';

/** Shrinks every size and duration of the benchmark (1 = the full run). */
export const SCALE = Math.max(0.01, Number(process.env.BENCH_SCALE ?? 1));
export const BENCH_MANAGER: Actor = { id: 'bench-manager', roles: ['manager'] };
export const BENCH_APPROVER: Actor = { id: 'bench-approver', roles: ['approver'] };
export const ADMIN_PASSWORD = 'bench-admin-password';

export type DatabaseKind = 'sqlite' | 'postgres';

/** Which database a phase runs on: set by the runner through BENCH_DB (and DATABASE_URL, DATABASE_SCHEMA). */
export function databaseKind(): DatabaseKind {
  return process.env.BENCH_DB === 'postgres' ? 'postgres' : 'sqlite';
}

export function scaled(n: number, min = 1): number {
  return Math.max(min, Math.round(n * SCALE));
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `bench-${prefix}-`));
}

export function freshSchema(): string {
  return `bench_${randomBytes(6).toString('hex')}`;
}

/** The process's peak resident set so far (Linux VmHWM), in MiB. */
export function peakRssMb(pid: number | 'self' = 'self'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** A latency figure, as the growth phase reports it and the runner reads it. */
export interface Latency {
  p50Ms: number;
  p99Ms: number;
  samples: number;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The machine a run's figures come from, as a results file records it. */
export function machine() {
  const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' }).trim();
  return {
    nproc: Number(sh('nproc', [])),
    cpu: cpus()[0]?.model ?? 'unknown',
    memory: sh('free', ['-h']).split('\n')[1]?.replace(/\s+/g, ' '),
    totalMemoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    loadAverageAtStart: loadavg().map((l) => round(l, 2)),
  };
}

export function log(message: string): void {
  process.stderr.write(`  ${message}\n`);
}

/** A phase's figures go to stdout on one marked line, for the runner. */
export function emit(result: Record<string, unknown>): void {
  process.stdout.write(`\nBENCH_RESULT ${JSON.stringify({ ...result, peakRssMb: peakRssMb() })}\n`);
}

/** The service's own modules in this process (no HTTP), on DATA_DIR or the PostgreSQL schema the runner chose; poller off. */
export async function openServices(): Promise<INestApplicationContext> {
  // A phase writes only where the runner told it to: never into a shared database's default schema.
  if (databaseKind() === 'postgres' ? !process.env.DATABASE_SCHEMA : process.env.DATABASE_URL) {
    throw new Error('BENCH_DB=postgres needs DATABASE_SCHEMA, and BENCH_DB=sqlite no DATABASE_URL: run the phases through npm run bench');
  }
  Object.assign(process.env, { TIMER_POLL_MS: '0', WORKFLOWS_DIR: 'workflows', ADMIN_PASSWORD });
  return NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
}

/** Rows inserted many to a statement inside the caller's transaction, with the driver's placeholders. */
export async function insertMany(
  query: (sql: string, params: unknown[]) => Promise<unknown>,
  kind: DatabaseKind,
  table: string,
  columns: string[],
  rows: unknown[][],
): Promise<void> {
  const perStatement = Math.floor(20_000 / columns.length);
  for (let start = 0; start < rows.length; start += perStatement) {
    const batch = rows.slice(start, start + perStatement);
    let n = 0;
    const values = batch.map(() => `(${columns.map(() => (kind === 'postgres' ? `$${++n}` : '?')).join(', ')})`).join(', ');
    await query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values}`, batch.flat());
  }
}

export function isPostgres(dataSource: DataSource): boolean {
  return dataSource.options.type === 'postgres';
}

/** Runs `work` over and over for `ms`, returning each run's latency in milliseconds. */
export async function forDuration(ms: number, work: (i: number) => Promise<void>): Promise<number[]> {
  const latencies: number[] = [];
  const end = nowMs() + ms;
  for (let i = 0; nowMs() < end; i += 1) {
    const start = nowMs();
    await work(i);
    latencies.push(nowMs() - start);
  }
  return latencies;
}

/** Runs one phase (`dist/bench/phases/<name>.js`) in a process of its own with `env` over this one's, and returns its BENCH_RESULT. */
export async function phase<T>(name: string, env: Record<string, string>): Promise<T> {
  process.stderr.write(`${name} (${env.BENCH_DB})\n`);
  // The database is the runner's choice alone: a phase on SQLite must not see DATABASE_URL.
  const { DATABASE_URL: _url, DATABASE_SCHEMA: _schema, ...inherited } = process.env;
  const child = spawn(process.execPath, [fileURLToPath(new URL(`phases/${name}.js`, import.meta.url))], {
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (code !== 0 || !line) throw new Error(`phase ${name} failed (exit ${code}):\n${out}`);
  return JSON.parse(line.slice('BENCH_RESULT '.length)) as T;
}
