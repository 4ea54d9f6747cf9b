import Database from 'better-sqlite3';
import { join } from 'node:path';
import pg from 'pg';
import { databaseKind, emit, forDuration, log, percentile, round, SCALE, tempDir } from '../support.js';

/**
 * The physical baseline: one single-row INSERT committed per transaction, nothing else. On SQLite
 * with the service's pragmas (WAL, synchronous=FULL), so each commit waits for its fsync; on
 * PostgreSQL one autocommitted INSERT per round trip.
 */
const DURATION_MS = Math.max(1000, 5000 * SCALE);
const PAYLOAD = JSON.stringify({
  event: { type: 'SHARE_DRAFT', data: { document: { name: 'MOU draft.docx', sha256: 'ab'.repeat(32) } } },
  padding: 'x'.repeat(300),
});

async function sqlite(): Promise<number[]> {
  const db = new Database(join(tempDir('raw'), 'raw.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE rows (seq INTEGER PRIMARY KEY, payload TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO rows (payload) VALUES (?)');
  const transaction = db.transaction((payload: string) => insert.run(payload));
  const commitOne = (payload: string) => transaction.immediate(payload);
  await forDuration(300, async () => void commitOne(PAYLOAD));
  const latencies = await forDuration(DURATION_MS, async () => void commitOne(PAYLOAD));
  db.close();
  return latencies;
}

async function postgres(): Promise<number[]> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  const schema = process.env.DATABASE_SCHEMA as string;
  await client.query(`CREATE TABLE ${schema}.raw_rows (seq bigserial PRIMARY KEY, payload text NOT NULL)`);
  const insert = { name: 'raw-insert', text: `INSERT INTO ${schema}.raw_rows (payload) VALUES ($1)` };
  await forDuration(300, async () => void (await client.query({ ...insert, values: [PAYLOAD] })));
  const latencies = await forDuration(DURATION_MS, async () => void (await client.query({ ...insert, values: [PAYLOAD] })));
  await client.end();
  return latencies;
}

const latencies = databaseKind() === 'postgres' ? await postgres() : await sqlite();
const seconds = latencies.reduce((a, b) => a + b, 0) / 1000;
log(`raw inserts: ${latencies.length} in ${seconds.toFixed(1)} s`);
emit({
  transactions: latencies.length,
  perSecond: round(latencies.length / seconds, 1),
  p50Ms: round(percentile(latencies, 50), 3),
  p99Ms: round(percentile(latencies, 99), 3),
});
