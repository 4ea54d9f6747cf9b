/**
 * Replays every workflow instance of an exported audit chain offline, without the service or the
 * database:
 *   npm run audit:replay -- audit-chain.jsonl [--workflows <dir>]
 * Each instance (partnership, occurrence, follow-up) is re-run from its CREATE row through the
 * workflow version it names, loaded from `workflows/` (or `--workflows`, or WORKFLOWS_DIR), with the
 * engine's pure transitions, the code `GET /api/partnerships/:id/replay` runs. It checks that each
 * recorded event is accepted and leads to the state the row records. It does not check the chain's
 * hashes: `npm run audit:verify` does.
 * Exit code 0 when every instance replays, 1 at the first divergence (the instance, the row's seq,
 * the state recorded and the one replayed), 2 when it cannot replay (no such file, not a JSONL
 * export, a workflow file that does not load, bad arguments).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { DomainError } from '../src/common/domain-error.js';
import { WorkflowEngine } from '../src/workflow-engine/engine.js';
import { isReplayable, replayChain, type ChainRow, type ReplayDivergence } from '../src/workflow-engine/replay.js';
import { WorkflowRegistry } from '../src/workflow-engine/workflow-registry.js';

interface ExportRow extends ChainRow {
  entityType: string;
  entityId: string;
}

export interface InstanceDivergence extends ReplayDivergence {
  entityType: string;
  entityId: string;
  /** What the chain records after the row: a state, or that the event was accepted. */
  expected: string;
  /** What the replay gives there. */
  got: string;
}

export type ReplayExportResult =
  | { ok: true; instances: number; events: number; workflows: Record<string, number>; skipped: number }
  | { ok: false; instances: number; events: number; divergence: InstanceDivergence };

/** A file this replayer cannot read as an export at all (exit code 2), as opposed to a chain that does not replay. */
export class UnreplayableExport extends Error {}

const CSV_EXPORT = 'this is the CSV export, which is for reading: replay the JSONL export (GET /api/audit/export?format=jsonl)';

async function readRows(path: string): Promise<ExportRow[]> {
  const rows: ExportRow[] = [];
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber += 1;
      if (line.trim() === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        throw new UnreplayableExport(lineNumber === 1 && line.startsWith('seq,') ? CSV_EXPORT : `line ${lineNumber} is not JSON: this is not a JSONL export`);
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new UnreplayableExport(`line ${lineNumber} is neither a row nor a checkpoint`);
      if ('checkpoint' in parsed) continue;
      const row = parsed as Partial<ExportRow>;
      if (!Number.isSafeInteger(row.seq) || typeof row.action !== 'string' || typeof row.entityId !== 'string' || typeof row.outcome !== 'string') {
        throw new UnreplayableExport(`line ${lineNumber} is not an audit row: it needs seq, action, entityType, entityId and outcome`);
      }
      rows.push(row as ExportRow);
    }
  } catch (error) {
    if (error instanceof UnreplayableExport) throw error;
    throw new UnreplayableExport(`cannot read ${path}: ${(error as Error).message}`);
  }
  if (rows.length === 0) throw new UnreplayableExport(`${path} holds no audit rows`);
  return rows;
}

function located(row: ExportRow, divergence: ReplayDivergence, got: string): InstanceDivergence {
  const expected = divergence.kind === 'step' ? String(divergence.recordedState) : divergence.kind === 'refused' ? `${row.action} accepted` : 'the same file';
  return { entityType: row.entityType, entityId: row.entityId, ...divergence, expected, got };
}

/** Replays every instance of the export at `path` against the workflows loaded in `registry`. */
export async function replayExport(path: string, registry: WorkflowRegistry): Promise<ReplayExportResult> {
  const engine = new WorkflowEngine();
  const byInstance = new Map<string, ExportRow[]>();
  for (const row of (await readRows(path)).filter(isReplayable).sort((a, b) => a.seq - b.seq)) {
    const rows = byInstance.get(row.entityId) ?? [];
    rows.push(row);
    byInstance.set(row.entityId, rows);
  }
  let instances = 0;
  let events = 0;
  let skipped = 0;
  const workflows: Record<string, number> = {};
  let first: InstanceDivergence | undefined;
  for (const rows of byInstance.values()) {
    const [created] = rows;
    // An instance created before the export's first row cannot be replayed from it.
    if (created.action !== 'CREATE') {
      skipped += 1;
      continue;
    }
    let chain;
    try {
      chain = replayChain(registry, engine, `${created.entityType} ${created.entityId}`, rows);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const divergence = located(
        created,
        { kind: 'definition', seq: created.seq, action: created.action, occurredAt: created.occurredAt, reason: error.message },
        'not loaded',
      );
      if (!first || divergence.seq < first.seq) first = divergence;
      continue;
    }
    instances += 1;
    events += chain.events;
    const key = `${created.workflowId}@${created.workflowVersion}`;
    workflows[key] = (workflows[key] ?? 0) + 1;
    const at = chain.divergesAt;
    if (at && (!first || at.seq < first.seq)) {
      const row = rows.find((r) => r.seq === at.seq) as ExportRow;
      first = located(row, at, at.kind === 'refused' ? 'refused' : at.kind === 'step' ? chain.state.value : 'another file');
    }
  }
  return first ? { ok: false, instances, events, divergence: first } : { ok: true, instances, events, workflows, skipped };
}

/** The verdict in one line, for a person. */
export function summary(result: ReplayExportResult): string {
  if (result.ok) {
    const counts = Object.entries(result.workflows)
      .map(([workflow, n]) => `${n} on ${workflow}`)
      .join(', ');
    const skipped = result.skipped > 0 ? `; ${result.skipped} instances created before the export's first row were skipped` : '';
    return `every instance replays: ${result.instances} instances (${counts}), ${result.events} events${skipped}`;
  }
  const d = result.divergence;
  return `${d.entityType} ${d.entityId} diverges at seq ${d.seq} (${d.action}): expected ${d.expected}, got ${d.got}: ${d.reason}`;
}

const USAGE = 'usage: npm run audit:replay -- <export.jsonl> [--workflows <dir>]';

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  let path: string;
  let registry: WorkflowRegistry;
  try {
    const { values, positionals } = parseArgs({ options: { workflows: { type: 'string' } }, allowPositionals: true });
    if (positionals.length !== 1) throw new UnreplayableExport(USAGE);
    path = positionals[0];
    const dir = values.workflows ?? process.env.WORKFLOWS_DIR ?? 'workflows';
    try {
      registry = WorkflowRegistry.loadDirectory(dir);
    } catch (error) {
      throw new UnreplayableExport(`cannot load the workflows in ${dir}: ${(error as Error).message}`);
    }
  } catch (error) {
    console.error(error instanceof UnreplayableExport ? error.message : `${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  replayExport(path, registry)
    .then((result) => {
      console.log(JSON.stringify(result));
      console.error(summary(result));
      process.exit(result.ok ? 0 : 1);
    })
    .catch((error: Error) => {
      console.error(error instanceof UnreplayableExport ? error.message : `cannot replay ${path}: ${error.message}`);
      process.exit(2);
    });
}
