import { hash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { canonicalJson } from '../../src/common/canonical-json.js';
import { emit, isPostgres, log, nowMs, openServices, round } from '../support.js';

/**
 * The verify figure's baseline: SHA-256 over the very bytes verify() hashes for each row
 * (`prevHash` + the canonical JSON of the row), timed alone. Reading the rows and writing their
 * canonical form happen outside the clock; each digest is checked against the stored hash, so
 * the input is proven to be the same.
 */
interface Row {
  seq: number | string;
  occurred_at: string;
  actor_id: string;
  actor_roles: string;
  action: string;
  entity_type: string;
  entity_id: string;
  from_state: string | null;
  to_state: string | null;
  workflow_id: string | null;
  workflow_version: number | null;
  outcome: string;
  request_id: string | null;
  payload: string;
  prev_hash: string;
  hash: string;
}

const BATCH = 5000;
const app = await openServices();
const dataSource = app.get(DataSource);
const placeholder = isPostgres(dataSource) ? '$1' : '?';
let after = 0;
let rows = 0;
let hashingMs = 0;
for (;;) {
  const batch = await dataSource.query<Row[]>(`SELECT * FROM audit_events WHERE seq > ${placeholder} ORDER BY seq LIMIT ${BATCH}`, [after]);
  if (batch.length === 0) break;
  const inputs = batch.map(
    (r) =>
      r.prev_hash +
      canonicalJson({
        seq: Number(r.seq),
        occurredAt: r.occurred_at,
        actorId: r.actor_id,
        actorRoles: JSON.parse(r.actor_roles) as unknown,
        action: r.action,
        entityType: r.entity_type,
        entityId: r.entity_id,
        fromState: r.from_state,
        toState: r.to_state,
        workflowId: r.workflow_id,
        workflowVersion: r.workflow_version === null ? null : Number(r.workflow_version),
        outcome: r.outcome,
        requestId: r.request_id,
        payload: r.payload,
      }),
  );
  const start = nowMs();
  // The one-shot crypto.hash, the quickest SHA-256 Node offers and the one verify() uses (createHash is about 1.6 times slower here).
  const digests = inputs.map((input) => hash('sha256', input, 'hex'));
  hashingMs += nowMs() - start;
  digests.forEach((digest, i) => {
    if (digest !== batch[i].hash) throw new Error(`row ${batch[i].seq}: the baseline's input is not what verify() hashes`);
  });
  rows += batch.length;
  after = Number(batch[batch.length - 1].seq);
}
await app.close();
log(`raw SHA-256: ${rows} rows in ${(hashingMs / 1000).toFixed(2)} s of hashing`);
emit({ rows, seconds: round(hashingMs / 1000, 3), rowsPerSecond: round(rows / (hashingMs / 1000), 0) });
