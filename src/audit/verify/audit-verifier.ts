import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DataSource } from 'typeorm';
import { postgresClientConfig } from '../../database/driver-internals.js';
import { blobBytes } from '../../documents/blob-store.js';
import { plainQuery } from '../../database/plain-query.js';
import { checkAgainstCheckpoints, forgedCheckpoint, withDocuments, type Checkpoint, type DocumentsVerdict, type VerifyReport } from '../audit-checkpoint.js';
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

/** Blobs listed per read; each is then re-hashed a chunk at a time (`blobBytes`), so no read holds more than one chunk of a file. */
const BLOBS_PER_READ = 100;

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

  async verify(tuning: Partial<VerifyTuning> = {}): Promise<VerifyReport> {
    // Read before the walk: every row a checkpoint names was written by then, so an intact chain reaches it.
    const checkpoints = await this.checkpoints.withRowHashes();
    const [chain, forged, documents] = await Promise.all([this.verifyChain(tuning), this.forgedCheckpoints(checkpoints), this.verifyDocuments()]);
    return withDocuments(checkAgainstCheckpoints(chain, checkpoints, forged), documents);
  }

  /**
   * Every stored blob re-hashed from its chunks, in order, yielding between chunks, beside the walk of the chain; the documents whose blob does not
   * hash to its key, or is missing, are bad.
   */
  private async verifyDocuments(): Promise<DocumentsVerdict> {
    const badHashes: string[] = [];
    let after = '';
    for (;;) {
      const blobs = await plainQuery<{ sha256: string }>(this.dataSource, `SELECT sha256 FROM blobs WHERE sha256 > ? ORDER BY sha256 LIMIT ${BLOBS_PER_READ}`, [
        after,
      ]);
      for (const { sha256 } of blobs) {
        const hash = createHash('sha256');
        for await (const chunk of blobBytes(this.dataSource, sha256)) {
          hash.update(chunk);
          await new Promise((resolve) => setImmediate(resolve));
        }
        if (hash.digest('hex') !== sha256) badHashes.push(sha256);
      }
      if (blobs.length < BLOBS_PER_READ) break;
      after = blobs[blobs.length - 1].sha256;
    }
    const [{ count }] = await plainQuery<{ count: number | string }>(this.dataSource, 'SELECT COUNT(*) AS count FROM documents', []);
    const missing = await plainQuery<{ id: string }>(
      this.dataSource,
      'SELECT d.id FROM documents d LEFT JOIN blobs b ON b.sha256 = d.sha256 WHERE b.sha256 IS NULL',
      [],
    );
    const bad = [...missing.map((d) => d.id)];
    for (const sha256 of badHashes)
      bad.push(...(await plainQuery<{ id: string }>(this.dataSource, 'SELECT id FROM documents WHERE sha256 = ?', [sha256])).map((d) => d.id));
    return { checked: Number(count), bad: bad.sort() };
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
