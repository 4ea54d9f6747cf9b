import { DomainError } from '../common/domain-error.js';
import type { WorkflowEngine } from './engine.js';
import { migrationFate, type MigrationRecord } from './migration.js';
import type { WorkflowRegistry } from './workflow-registry.js';
import type { EngineEvent, InstanceState, WorkflowContext } from './workflow.types.js';

/** The first audit row after which the replay and the record part: what it was and why they differ. */
export interface ReplayDivergence {
  /**
   * `refused`: the workflow refuses the recorded event; `step`: the replay reaches another state than
   * the row records; `stored`: the stored row differs; `definition`: the workflow file is not the one
   * the instance was created on.
   */
  kind: 'refused' | 'step' | 'stored' | 'definition';
  seq: number;
  action: string;
  occurredAt: string;
  reason: string;
  /** For `step`: the state the row records. */
  recordedState?: string;
}

/** What replay reads of an audit row, its payload parsed: the database's rows and an export's lines alike. */
export interface ChainRow {
  seq: number;
  action: string;
  occurredAt: string;
  outcome: string;
  workflowId: string | null;
  workflowVersion: number | null;
  toState: string | null;
  payload: unknown;
}

export interface ChainReplay {
  /** Where the recorded events lead. */
  state: InstanceState;
  /** The CREATE row and each event replayed. */
  events: number;
  /** The last row replayed: a stored state that differs parts from the record after it. */
  last: ChainRow;
  divergesAt?: ReplayDivergence;
}

interface CreatePayload {
  input?: { context?: WorkflowContext; at: string };
  definitionHash?: string;
}

function divergence(row: ChainRow, kind: ReplayDivergence['kind'], reason: string): ReplayDivergence {
  return { kind, seq: row.seq, action: row.action, occurredAt: row.occurredAt, reason };
}

/** The rows replay reads: accepted changes made under a workflow. Refusals changed nothing. */
export function isReplayable(row: Pick<ChainRow, 'outcome' | 'workflowId'>): boolean {
  return row.outcome === 'ok' && row.workflowId !== null;
}

/**
 * Re-runs one instance's rows (`isReplayable` ones, in seq order, its CREATE first) through the
 * workflow version the CREATE names, with the engine's pure transitions, and stops at the first row
 * the replay cannot reproduce. A WORKFLOW_MIGRATED row takes the migration's own step (the same pure
 * `migrationFate`), and the rows after it run on the version it moved to. The replay route and
 * `npm run audit:replay` both run this.
 */
export function replayChain(registry: WorkflowRegistry, engine: WorkflowEngine, entity: string, rows: readonly ChainRow[]): ChainReplay {
  const [created, ...transitions] = rows;
  if (!created || created.action !== 'CREATE') throw new DomainError('CONFLICT', `${entity} has no CREATE row to replay from`);
  const origin = registry.get(created.workflowId as string, created.workflowVersion as number);
  let definition = origin.definition;
  const hash = origin.hash;
  const { input, definitionHash } = created.payload as CreatePayload;
  if (!input) throw new DomainError('CONFLICT', `${entity}'s CREATE row (seq ${created.seq}) records no input to start from`);
  let state: InstanceState = engine.start(definition, input);
  const start = { state: { value: state.value, context: state.context }, events: 1, last: created };
  if (definitionHash !== undefined && definitionHash !== hash) {
    const reason = `created on ${definition.id} v${definition.version} with SHA-256 ${definitionHash}; the file loaded now is ${hash}`;
    return { ...start, divergesAt: divergence(created, 'definition', reason) };
  }
  let events = 1;
  let last = created;
  for (const row of transitions) {
    const { event, migration } = (row.payload ?? {}) as { event?: EngineEvent; migration?: MigrationRecord };
    if (row.action === 'WORKFLOW_MIGRATED' && migration) {
      const to = registry.get(migration.workflowId, migration.toVersion);
      const stop = (kind: ReplayDivergence['kind'], reason: string) => ({
        state: { value: state.value, context: state.context },
        events,
        last,
        divergesAt: divergence(row, kind, reason),
      });
      if (to.hash !== migration.toHash)
        return stop(
          'definition',
          `migrated to ${to.definition.id} v${migration.toVersion} with SHA-256 ${migration.toHash}; the file loaded now is ${to.hash}`,
        );
      const fate = migrationFate(engine, definition, to.definition, state, migration.mapping);
      if (!fate.ok) return stop('refused', `the migration to v${migration.toVersion} cannot be taken again: ${fate.reason}`);
      [definition, state, events, last] = [to.definition, fate.state, events + 1, row];
      if (row.toState !== state.value) return stop('step', `the chain records ${row.toState} after this migration, the replay reaches ${state.value}`);
      continue;
    }
    // Detail edits are audited too, but only rows that carry an event changed the workflow state.
    if (!event) continue;
    try {
      state = engine.send(definition, state, event);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const reason = `the workflow refuses the recorded event now: ${error.message}`;
      return { state: { value: state.value, context: state.context }, events, last, divergesAt: divergence(row, 'refused', reason) };
    }
    events += 1;
    last = row;
    if (row.toState !== null && row.toState !== state.value) {
      const reason = `the chain records ${row.toState} after this event, the replay reaches ${state.value}`;
      return {
        state: { value: state.value, context: state.context },
        events,
        last,
        divergesAt: { ...divergence(row, 'step', reason), recordedState: row.toState },
      };
    }
  }
  return { state: { value: state.value, context: state.context }, events, last };
}
