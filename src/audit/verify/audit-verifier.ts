import { Injectable, Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DataSource } from 'typeorm';
import { postgresClientConfig } from '../../database/driver-internals.js';
import { checkAgainstCheckpoints, forgedCheckpoint, type AuditVerifyResult, type Checkpoint } from '../audit-checkpoint.js';
import { AuditCheckpointsRepository } from '../audit-checkpoints.repository.js';
import { AuditSigningKey } from '../audit-signing-key.js';
import type { VerifyResult } from './chain-verifier.js';
import { serviceRowSource } from './row-source.js';
import { verifyRange } from './verify-range.js';
import { chainRanges, verifyInWorkers } from './verify-workers.js';
import type { VerifyWorkerData } from './verify.worker.js';

/** How verify() goes about it; the defaults are the service's, tests change them. */
export interface VerifyTuning {
  /** Rows per read. In this thread a batch is checked without yielding, so this bounds how long verify() holds the event loop. */
  batch: number;
  /** From this many rows on (the highest seq), the chain is checked in parts by worker threads. */
  parallelFrom: number;
  /** Rows per part. */
  rangeRows: number;
  /** Rows per `COPY` on PostgreSQL (a verify that stops early still reads the rest of its COPY: see `copyOut`). */
  copyRows: number;
  /** Worker threads (at most one per core). */
  workers: number;
  /** The compiled worker script; where it does not exist (e.g. under ts-jest), verify() runs in this thread. */
  workerScript: URL;
  /** When the workers fail (a connection refused, a worker that crashed), log it and verify in this thread instead of throwing. */
  inThreadOnError: boolean;
}

export const DEFAULT_VERIFY_TUNING: VerifyTuning = {
  batch: 2000,
  parallelFrom: 100_000,
  rangeRows: 50_000,
  copyRows: 50_000,
  workers: Math.min(availableParallelism(), 4),
  workerScript: new URL('./verify.worker.js', import.meta.url),
  inThreadOnError: true,
};

/** Checkpoint signatures checked between two yields to the event loop. */
const SIGNATURES_PER_TURN = 32;

/**
 * `AuditService.verify()`: the chain and its checkpoints, checked as docs/audit-verification.md
 * says. A long chain is checked in parts by worker threads on connections of their own, a short
 * one (or when workers cannot be used) in this thread, yielding to the event loop between batches
 * so the service keeps answering.
 */
@Injectable()
export class AuditVerifier {
  private readonly logger = new Logger(AuditVerifier.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly checkpoints: AuditCheckpointsRepository,
    private readonly key: AuditSigningKey,
  ) {}

  async verify(tuning: Partial<VerifyTuning> = {}): Promise<AuditVerifyResult> {
    // Read before the walk: every row a checkpoint names was written by then, so an intact chain reaches it.
    const checkpoints = await this.checkpoints.withRowHashes();
    const [chain, forged] = await Promise.all([this.verifyChain(tuning), this.forgedCheckpoints(checkpoints)]);
    return checkAgainstCheckpoints(chain, checkpoints, forged);
  }

  /**
   * The checkpoints whose signature is not the service key's, by seq, with why: checked beside the
   * walk (which, over a long chain, waits on its worker threads), yielding between batches.
   */
  private async forgedCheckpoints(checkpoints: Checkpoint[]): Promise<Map<number, string>> {
    const forged = new Map<number, string>();
    const key = this.key.checker;
    for (let i = 0; i < checkpoints.length; i += 1) {
      const reason = forgedCheckpoint(checkpoints[i], key);
      if (reason !== undefined) forged.set(checkpoints[i].seq, reason);
      if (i % SIGNATURES_PER_TURN === SIGNATURES_PER_TURN - 1) await new Promise((resolve) => setImmediate(resolve));
    }
    return forged;
  }

  /** The chain alone, walked from its first row to its head. */
  private async verifyChain(tuning: Partial<VerifyTuning>): Promise<VerifyResult> {
    const settings = { ...DEFAULT_VERIFY_TUNING, ...tuning };
    const source = serviceRowSource(this.dataSource);
    const lastSeq = await source.maxSeq();
    const workerData = this.workerData(settings.batch, settings.copyRows);
    if (lastSeq >= settings.parallelFrom && settings.workers > 1 && workerData && existsSync(fileURLToPath(settings.workerScript))) {
      try {
        return await verifyInWorkers(settings.workerScript, workerData, chainRanges(lastSeq, settings.rangeRows), settings.workers);
      } catch (error) {
        if (!settings.inThreadOnError) throw error;
        this.logger.warn(`verifying the audit chain in worker threads failed, verifying in this thread: ${(error as Error).message}`);
      }
    }
    return verifyRange(
      source,
      { after: 0, until: null },
      {
        batch: settings.batch,
        copyBatch: settings.copyRows,
        between: () => new Promise((resolve) => setImmediate(resolve)),
      },
    );
  }

  /** How a worker opens a connection of its own to the same database, if it can. */
  private workerData(batch: number, copyRows: number): VerifyWorkerData | undefined {
    if (this.dataSource.options.type === 'postgres') return { kind: 'postgres', batch, copyRows, config: postgresClientConfig(this.dataSource) };
    const file = this.dataSource.options.database;
    return typeof file === 'string' && file !== ':memory:' && file !== '' ? { kind: 'sqlite', batch, file } : undefined;
  }
}
