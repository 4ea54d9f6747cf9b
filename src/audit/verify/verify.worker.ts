/**
 * A worker thread of `AuditVerifier.verify()`: checks the parts of the chain it is sent on a
 * database connection of its own (a read-only better-sqlite3 connection to the same file, or a pg
 * client with the service pool's settings, read through COPY), so that parts are read, encoded
 * and hashed on several cores at once. It answers each part with its VerifyResult, in the order
 * they were sent.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { parentPort, workerData } from 'node:worker_threads';
import type { VerifyResult } from './chain-verifier.js';
import { copyOut } from './copy-text.js';
import { postgresRowSource, sqliteRowSource, type AuditRowSource } from './row-source.js';
import { verifyRange, type ChainRange } from './verify-range.js';

export type VerifyWorkerData = { batch: number } & ({ kind: 'sqlite'; file: string } | { kind: 'postgres'; copyRows: number; config: pg.ClientConfig });

/** A part to check, or `close`: finish the parts sent, close the connection and exit. */
export type VerifyWorkerRequest = { id: number; range: ChainRange } | { close: true };
export type VerifyWorkerResponse = { id: number; result: VerifyResult } | { id: number; error: string };

async function open(data: VerifyWorkerData): Promise<{ source: AuditRowSource; close: () => Promise<void> }> {
  if (data.kind === 'sqlite') {
    const db = new Database(data.file, { readonly: true, fileMustExist: true, timeout: 5000 });
    return { source: sqliteRowSource(() => db), close: async () => void db.close() };
  }
  const client = new pg.Client(data.config);
  await client.connect();
  return {
    source: postgresRowSource(
      async (text, values) => (await client.query<unknown[]>({ text, values, rowMode: 'array' })).rows,
      (sql) => copyOut(client, sql),
    ),
    close: () => client.end(),
  };
}

if (parentPort) {
  const port = parentPort;
  const data = workerData as VerifyWorkerData;
  const connection = open(data);
  // A connection that cannot be opened fails every part sent; it is not an unhandled rejection.
  connection.catch(() => undefined);
  // Parts are checked one after another: the worker is one core's worth of work.
  let queue = Promise.resolve();
  port.on('message', (request: VerifyWorkerRequest) => {
    queue = queue.then(async () => {
      if ('close' in request) {
        try {
          await (await connection.catch(() => undefined))?.close();
        } finally {
          port.close();
        }
        return;
      }
      try {
        const { source } = await connection;
        const result = await verifyRange(source, request.range, {
          batch: data.batch,
          ...(data.kind === 'postgres' ? { copyBatch: data.copyRows } : {}),
        });
        port.postMessage({ id: request.id, result } satisfies VerifyWorkerResponse);
      } catch (error) {
        port.postMessage({ id: request.id, error: (error as Error).stack ?? String(error) } satisfies VerifyWorkerResponse);
      }
    });
  });
}
