import { Worker } from 'node:worker_threads';
import type { VerifyResult } from './chain-verifier.js';
import { RangeMerger, type ChainRange } from './verify-range.js';
import type { VerifyWorkerData, VerifyWorkerRequest, VerifyWorkerResponse } from './verify.worker.js';

/** Consecutive parts covering the whole chain as it stands at `lastSeq`, the last one open-ended for rows appended meanwhile. */
export function chainRanges(lastSeq: number, rowsPerRange: number): ChainRange[] {
  const ranges: ChainRange[] = [];
  for (let after = 0; after + rowsPerRange < lastSeq; after += rowsPerRange) ranges.push({ after, until: after + rowsPerRange });
  ranges.push({ after: ranges.length * rowsPerRange, until: null });
  return ranges;
}

/**
 * Checks the parts of the chain in worker threads, each on its own connection, and merges their
 * results in chain order: the answer is the first failing part's (its first bad row), or the whole
 * chain's when every part verified. Parts after a failure are not waited for. Resolves once every
 * worker has exited; rejects on a worker's error.
 */
export async function verifyInWorkers(script: URL, data: VerifyWorkerData, ranges: ChainRange[], workerCount: number): Promise<VerifyResult> {
  const workers: Worker[] = [];
  try {
    for (let i = 0; i < Math.max(1, Math.min(workerCount, ranges.length)); i += 1) workers.push(new Worker(script, { workerData: data }));
  } catch (error) {
    // e.g. settings that cannot be cloned to a thread: the workers already started go.
    await Promise.all(workers.map((worker) => worker.terminate()));
    throw error;
  }
  const exited = Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('exit', resolve))));
  const results: Array<VerifyResult | undefined> = [];
  const merger = new RangeMerger();
  let sent = 0;
  let merged = 0;
  const outcome = new Promise<VerifyResult>((resolve, reject) => {
    let settled = false;
    const finish = (settle: () => void, gracefully: boolean) => {
      if (settled) return;
      settled = true;
      for (const worker of workers) {
        if (gracefully) worker.postMessage({ close: true } satisfies VerifyWorkerRequest);
        else void worker.terminate();
      }
      settle();
    };
    const sendNext = (worker: Worker) => {
      if (sent >= ranges.length) return;
      worker.postMessage({ id: sent, range: ranges[sent] } satisfies VerifyWorkerRequest);
      sent += 1;
    };
    for (const worker of workers) {
      worker.on('message', (message: VerifyWorkerResponse) => {
        if ('error' in message) return finish(() => reject(new Error(`audit verify worker: ${message.error}`)), false);
        results[message.id] = message.result;
        sendNext(worker);
        for (let result = results[merged]; result !== undefined; result = results[merged]) {
          merged += 1;
          const failed = merger.add(result);
          if (failed) return finish(() => resolve(failed), false);
        }
        if (merged === ranges.length) finish(() => resolve(merger.result()), true);
      });
      worker.on('error', (error) => finish(() => reject(error), false));
      worker.on('exit', (code) => finish(() => reject(new Error(`audit verify worker exited with code ${code}`)), false));
      // Two parts queued per worker, so that it never waits for the next one.
      sendNext(worker);
      sendNext(worker);
    }
  });
  try {
    return await outcome;
  } finally {
    await exited;
  }
}
