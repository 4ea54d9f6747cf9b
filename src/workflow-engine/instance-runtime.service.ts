import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager, type EntityTarget } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { RefusalAuditor, type Refused } from '../audit/refusal-auditor.js';
import { canonicalJson, sha256Hex } from '../common/canonical-json.js';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { EntityStatements, Persisted } from '../database/entity-statements.js';
import { plainQuery } from '../database/plain-query.js';
import { assertVersion, updateVersioned } from '../database/versioned-update.js';
import { whenCommitted, WriteQueue } from '../database/write-queue.js';
import { Metrics } from '../observability/metrics.js';
import { Timer } from '../timers/timer.entity.js';
import { WorkflowEngine } from './engine.js';
import { migrationFate, type MigrationRecord } from './migration.js';
import { delays } from './vocabulary.js';
import { WorkflowRegistry } from './workflow-registry.js';
import {
  SYSTEM_ACTOR,
  type Actor,
  type EngineEvent,
  type EventLimits,
  type Principal,
  type ScheduledTimer,
  type TransitionResult,
  type WorkflowContext,
  type WorkflowDefinition,
} from './workflow.types.js';

/** The columns every persisted workflow instance has. */
export interface WorkflowInstance {
  id: string;
  workflowId: string;
  workflowVersion: number;
  definitionHash: string;
  state: string;
  context: WorkflowContext;
  version: number;
  updatedAt: string;
}

/** What a kind of instance (a partnership, an activity occurrence) tells the runtime about itself. */
export interface InstanceKind<T extends WorkflowInstance = WorkflowInstance> {
  /** Used as the timers' instance type and the audit rows' entity type. */
  name: string;
  entity: EntityTarget<T>;
  /**
   * The instance with the content that approvers judge, read in the event's transaction (null when there is no such instance); the content's
   * SHA-256 binds each decision to what was seen. It is on the path of every event of the kind: one statement, which reads the row too.
   */
  withSubject?(manager: EntityManager, id: string): Promise<{ row: T; subject: Record<string, unknown> } | null>;
  /** Who wrote the subject as it stands (separation of duties reads it from each event). */
  authors?(row: T): string[];
  /** Bounds set on every event of the kind, and recorded with it (MAX_TERM_YEARS). */
  limits?: EventLimits;
  /** Columns kept in step with the context, e.g. a flag that lists filter on. */
  mirror?(state: string, context: WorkflowContext): Partial<T>;
  /**
   * The event's data as the workflow reads it, completed in the event's transaction from what it refers to (an uploaded document's name and hash), so
   * the recorded event replays without reading anything else.
   */
  completeData?(manager: EntityManager, row: T, type: string, data: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Roles the sender holds towards this one instance beside their own (a follow-up's `owner`), which `meta.roles` may name. */
  rolesOf?(row: T, actor: Actor): string[];
}

export interface EventInput {
  type: string;
  actor: Actor;
  comment?: string;
  data?: Record<string, unknown>;
  /** The version the caller read; omitted only by the timer poller. */
  expectedVersion?: number;
  requestId?: string | null;
}

export interface SendOutcome<T extends WorkflowInstance = WorkflowInstance> {
  row: T;
  result: TransitionResult;
  event: EngineEvent;
}

/** An accepted change of state, inside the transaction that stores it. */
export interface Transition {
  kind: string;
  /** The state before the event. */
  from: string;
  /** The instance after it. */
  row: WorkflowInstance;
  event: EngineEvent;
  result: TransitionResult;
}

/** Writes what a change causes (notices) in the change's own transaction: they commit or vanish with it. */
export type TransitionObserver = (manager: EntityManager, transition: Transition) => Promise<void>;

/** The person an event's sender names in `data.onBehalfOf`, read in the event's transaction: their authority and the delegations they gave the sender. */
export type PrincipalReader = (manager: EntityManager, principalId: string, sender: Actor) => Promise<Principal>;

export type EffectHandler = (manager: EntityManager, kind: InstanceKind, row: WorkflowInstance, event: EngineEvent) => Promise<void>;

/**
 * The most an instance's context may hold, as JSON. Each event may add to it (a draft, a decision
 * with its comment) and every later event reads and writes all of it, so without a bound repeated
 * events would make each one dearer. Real partnerships hold a few kilobytes. Past the bound, a
 * person's event that would make it larger is refused; one that does not (a withdrawal) and the
 * timers still go through, so no instance is left without a way out.
 */
export const MAX_CONTEXT_BYTES = 256 * 1024;

/**
 * Persists workflow instances: every change of state goes through `apply`, inside one write
 * transaction that checks the version, runs the pure engine, updates the row with a version
 * guard, writes and deletes timer rows, carries out effects and appends the audit row.
 */
@Injectable()
export class InstanceRuntime {
  private readonly logger = new Logger(InstanceRuntime.name);
  private readonly kinds = new Map<string, InstanceKind>();
  private readonly effectHandlers = new Map<string, EffectHandler>();
  private readonly observers: TransitionObserver[] = [];
  private principals?: PrincipalReader;

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: WriteQueue,
    private readonly audit: AuditService,
    private readonly refusals: RefusalAuditor,
    private readonly registry: WorkflowRegistry,
    private readonly engine: WorkflowEngine,
    private readonly metrics: Metrics,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  registerKind<T extends WorkflowInstance>(kind: InstanceKind<T>): void {
    this.kinds.set(kind.name, kind);
  }

  registerEffect(name: string, handler: EffectHandler): void {
    this.effectHandlers.set(name, handler);
  }

  registerObserver(observer: TransitionObserver): void {
    this.observers.push(observer);
  }

  /** Who reads the principal of an event sent for someone else: the module that keeps delegations. */
  registerPrincipals(reader: PrincipalReader): void {
    this.principals = reader;
  }

  /** Every kind of instance registered: a migration looks for a workflow's instances in each. */
  registeredKinds(): InstanceKind[] {
    return [...this.kinds.values()];
  }

  kind(name: string): InstanceKind {
    const kind = this.kinds.get(name);
    if (!kind) throw new Error(`instance kind ${name} is not registered`);
    return kind;
  }

  /** The definition an instance runs on; 409 when its file changed after the instance started, for it takes no events then. */
  definitionOf(row: WorkflowInstance): WorkflowDefinition {
    const changed = this.definitionChange(row);
    if (changed) throw new DomainError('CONFLICT', changed);
    return this.registry.get(row.workflowId, row.workflowVersion).definition;
  }

  /** The definition of an instance that takes events; undefined when its file changed after the instance started (it is then read without one). */
  readableDefinitionOf(row: WorkflowInstance): WorkflowDefinition | undefined {
    return this.definitionChange(row) ? undefined : this.definitionOf(row);
  }

  /** Why the instance takes no events because its definition file changed after it started; undefined when it did not. It can still be read. */
  definitionChange(row: WorkflowInstance): string | undefined {
    const workflow = this.registry.get(row.workflowId, row.workflowVersion);
    if (workflow.hash === row.definitionHash) return undefined;
    return `the definition of ${row.workflowId} v${row.workflowVersion} changed after this instance started, so it takes no events; it can still be read, listed and exported`;
  }

  now(): string {
    return this.clock.now().toISOString();
  }

  /** Starts a new instance on the latest version of a workflow, inside the caller's transaction. */
  async create<T extends WorkflowInstance>(
    manager: EntityManager,
    kindName: string,
    workflowId: string,
    fields: Omit<T, keyof WorkflowInstance>,
    options: { actor: Actor; context?: WorkflowContext; requestId?: string | null; id?: string },
  ): Promise<T> {
    const kind = this.kind(kindName) as unknown as InstanceKind<T>;
    const { definition, hash } = this.registry.latest(workflowId);
    const at = this.now();
    const started = this.engine.start(definition, { context: options.context, at });
    const base = {
      ...fields,
      id: options.id ?? randomUUID(),
      workflowId,
      workflowVersion: definition.version,
      definitionHash: hash,
      state: started.value,
      context: started.context,
      version: 1,
      updatedAt: at,
    } as unknown as T;
    const row = { ...base, ...(kind.mirror?.(started.value, started.context) ?? {}) };
    await manager.insert(kind.entity, row as never);
    await this.writeTimers(manager, kind.name, row.id, started);
    await this.audit.append(manager, {
      occurredAt: at,
      actor: options.actor,
      action: 'CREATE',
      entityType: kind.name,
      entityId: row.id,
      toState: started.value,
      workflowId,
      workflowVersion: definition.version,
      outcome: 'ok',
      requestId: options.requestId,
      payload: { input: { context: options.context ?? {}, at }, fields, definitionHash: hash },
    });
    return row;
  }

  /** Sends an event in its own write transaction; a refusal is audited in a transaction of its own. */
  send<T extends WorkflowInstance>(kindName: string, id: string, input: EventInput): Promise<SendOutcome<T>> {
    return this.auditRefusals(kindName, id, input, () => this.queue.run((manager) => this.apply<T>(manager, kindName, id, input)), { transition: true });
  }

  /** What `send` would do, computed without writing anything. */
  async dryRun<T extends WorkflowInstance>(kindName: string, id: string, input: EventInput): Promise<SendOutcome<T>> {
    const kind = this.kind(kindName) as unknown as InstanceKind<T>;
    const { row, subject } = await this.loadForEvent(this.dataSource.manager, kind, id);
    assertVersion(row.version, input.expectedVersion);
    const event = await this.eventFor(this.dataSource.manager, kind, row, subject, input);
    const next = this.engine.send(this.definitionOf(row), { value: row.state, context: row.context }, event);
    withinSize(row.context, next, event, JSON.stringify(next.context));
    return { row, result: next, event };
  }

  /** Applies one event inside the caller's write transaction. */
  async apply<T extends WorkflowInstance>(manager: EntityManager, kindName: string, id: string, input: EventInput): Promise<SendOutcome<T>> {
    const kind = this.kind(kindName) as unknown as InstanceKind<T>;
    const { row, subject } = await this.loadForEvent(manager, kind, id);
    assertVersion(row.version, input.expectedVersion);
    const definition = this.definitionOf(row);
    const event = await this.eventFor(manager, kind, row, subject, input);
    const result = this.engine.send(definition, { value: row.state, context: row.context }, event);
    // Serialized once: for the size bound and for the UPDATE.
    const contextJson = JSON.stringify(result.context);
    withinSize(row.context, result, event, contextJson);
    const changes = {
      state: result.value,
      context: result.context,
      updatedAt: event.at,
      ...changedFields(row, kind.mirror?.(result.value, result.context) ?? {}),
    } as Partial<T>;
    const version = await updateVersioned(manager, kind.entity, id, row.version, { ...changes, context: new Persisted(contextJson) });
    const updated = { ...row, ...changes, version } as T;
    await this.writeTimers(manager, kind.name, id, result);
    for (const effect of result.effects) {
      const handler = this.effectHandlers.get(effect.type);
      if (!handler) throw new Error(`no handler for effect ${effect.type}`);
      await handler(manager, kind, updated, event);
    }
    await this.audit.append(manager, {
      occurredAt: event.at,
      actor: input.actor,
      action: event.type,
      entityType: kind.name,
      entityId: id,
      fromState: row.state,
      toState: result.value,
      workflowId: row.workflowId,
      workflowVersion: row.workflowVersion,
      outcome: 'ok',
      requestId: input.requestId,
      payload: { event, version: updated.version, timers: { schedule: result.schedule, cancel: result.cancel }, effects: result.effects },
    });
    for (const observe of this.observers) await observe(manager, { kind: kind.name, from: row.state, row: updated, event, result });
    whenCommitted.add(manager, () => this.metrics.transition(row.workflowId, event.type, 'applied'));
    return { row: updated, result, event };
  }

  /**
   * Moves one instance from the workflow version `migration.fromVersion` to `toVersion`, inside the
   * caller's write transaction: its state renamed by the mapping, the new version's context defaults
   * added, its pending timers deleted and those of the new version's states written, the row updated
   * `WHERE version = ?`, and a WORKFLOW_MIGRATED row appended. Refuses (CONFLICT) an instance that has
   * moved to another version meanwhile, whose definition file changed, or whose state has no
   * counterpart; a concurrent event makes it VERSION_MISMATCH, for the caller to try again.
   */
  async migrate(manager: EntityManager, kindName: string, id: string, migration: MigrationRecord, actor: Actor, requestId?: string): Promise<WorkflowInstance> {
    const kind = this.kind(kindName);
    const row = await this.load(manager, kind, id);
    if (row.workflowId !== migration.workflowId || row.workflowVersion !== migration.fromVersion) {
      throw new DomainError('CONFLICT', `it runs on ${row.workflowId} v${row.workflowVersion}, not v${migration.fromVersion}`);
    }
    const changed = this.definitionChange(row);
    if (changed) throw new DomainError('CONFLICT', changed);
    const from = this.registry.get(migration.workflowId, migration.fromVersion);
    const to = this.registry.get(migration.workflowId, migration.toVersion);
    const fate = migrationFate(this.engine, from.definition, to.definition, { value: row.state, context: row.context }, migration.mapping);
    if (!fate.ok) throw new DomainError('CONFLICT', fate.reason, { toState: fate.toState });
    const at = this.now();
    // Timers first: a poller firing one of them holds it (SKIP LOCKED elsewhere), and this waits for its commit instead of deadlocking on the row.
    const deleted = await plainQuery<{ event: string }>(manager, 'SELECT event FROM timers WHERE instance_id = ? AND fired_at IS NULL', [id]);
    await plainQuery(manager, 'DELETE FROM timers WHERE instance_id = ? AND fired_at IS NULL', [id]);
    const changes = {
      workflowVersion: to.definition.version,
      definitionHash: to.hash,
      state: fate.state.value,
      context: fate.state.context,
      updatedAt: at,
      ...changedFields(row, kind.mirror?.(fate.state.value, fate.state.context) ?? {}),
    };
    const version = await updateVersioned(manager, kind.entity, id, row.version, changes);
    const schedule = await this.timersOnEntry(manager, to.definition, id, fate.state.value, fate.state.context);
    await this.writeTimers(manager, kind.name, id, { schedule, cancel: [] });
    await this.audit.append(manager, {
      occurredAt: at,
      actor,
      action: 'WORKFLOW_MIGRATED',
      entityType: kind.name,
      entityId: id,
      fromState: row.state,
      toState: fate.state.value,
      workflowId: row.workflowId,
      workflowVersion: to.definition.version,
      outcome: 'ok',
      requestId,
      payload: { migration, version, timers: { deleted: deleted.map((t) => t.event).sort(), schedule } },
    });
    return { ...row, ...changes, version };
  }

  /**
   * The timers of the states an instance is in under `definition`, as entering them would have
   * scheduled them: each measured from when the instance last entered that state from outside it
   * (its delays' clock), less those that already fired since then.
   */
  private async timersOnEntry(
    manager: EntityManager,
    definition: WorkflowDefinition,
    id: string,
    value: string,
    context: WorkflowContext,
  ): Promise<ScheduledTimer[]> {
    const rows = await plainQuery<{ occurred_at: string; from_state: string | null; to_state: string; action: string }>(
      manager,
      "SELECT occurred_at, from_state, to_state, action FROM audit_events WHERE entity_id = ? AND outcome = 'ok' AND to_state IS NOT NULL ORDER BY seq DESC",
      [id],
    );
    const schedule: ScheduledTimer[] = [];
    const parts = value.split('.');
    for (let depth = 1; depth <= parts.length; depth++) {
      const path = parts.slice(0, depth).join('.');
      const node = this.engine.activeNodes(definition, value)[depth];
      if (!node.after) continue;
      const enteredAt = enteredAtOf(rows, path);
      for (const delay of Object.keys(node.after)) {
        const event = `xstate.after.${delay}.${definition.machine.id}.${path}`;
        const fired = await plainQuery(
          manager,
          'SELECT 1 AS one FROM timers WHERE instance_id = ? AND event = ? AND fired_at IS NOT NULL AND created_at >= ?',
          [id, event, enteredAt],
        );
        if (fired.length > 0) continue;
        const wait = delays[delay]({ context, event: { type: 'xstate.init', actor: SYSTEM_ACTOR, at: enteredAt } });
        schedule.push({ event, dueAt: new Date(Date.parse(enteredAt) + wait).toISOString() });
      }
    }
    return schedule;
  }

  /**
   * Records a refused attempt in the audit chain (RefusalAuditor), then lets the refusal go on to
   * the caller; `transition`: the attempt was an event, counted as refused once its row is stored.
   */
  async auditRefusals<R>(kindName: string, id: string, input: EventInput, work: () => Promise<R>, options: { transition?: boolean } = {}): Promise<R> {
    try {
      return await work();
    } catch (error) {
      const recorded = await this.refusals.record(error, refusedAttempt(kindName, id, input));
      // The count is no part of the answer: a failure to read the workflow leaves it uncounted, the refusal as it was.
      const workflow = recorded && options.transition ? await this.workflowOf(this.dataSource, kindName, id).catch(() => undefined) : undefined;
      if (workflow) this.metrics.transition(workflow, input.type, 'refused');
      throw error;
    }
  }

  /** Records a timer's refused event inside the timer's transaction; it counts once that commits. */
  async recordRefusal(kindName: string, id: string, input: EventInput, error: DomainError, manager: EntityManager): Promise<void> {
    await this.refusals.recordIn(manager, error, refusedAttempt(kindName, id, input));
    const workflow = await this.workflowOf(manager, kindName, id);
    if (workflow) whenCommitted.add(manager, () => this.metrics.transition(workflow, input.type, 'refused'));
  }

  /** The workflow an instance runs, which a refusal's row does not name. */
  private async workflowOf(db: DataSource | EntityManager, kindName: string, id: string): Promise<string | undefined> {
    const table = this.dataSource.getMetadata(this.kind(kindName).entity).tableName;
    const [row] = await plainQuery<{ workflow_id: string }>(db, `SELECT workflow_id FROM ${table} WHERE id = ?`, [id]);
    return row?.workflow_id;
  }

  private async eventFor<T extends WorkflowInstance>(
    manager: EntityManager,
    kind: InstanceKind<T>,
    row: T,
    subject: Record<string, unknown> | undefined,
    input: EventInput,
  ): Promise<EngineEvent> {
    const onBehalfOf = await this.principalOf(manager, input);
    const data = input.data !== undefined && kind.completeData ? await kind.completeData(manager, row, input.type, input.data) : input.data;
    return {
      type: input.type,
      actor: { id: input.actor.id, roles: [...input.actor.roles, ...(kind.rolesOf?.(row, input.actor) ?? [])].sort() },
      at: this.now(),
      ...(input.comment !== undefined ? { comment: input.comment } : {}),
      ...(data !== undefined ? { data } : {}),
      ...(subject ? { subject, contentHash: contentHash(subject) } : {}),
      ...(kind.authors ? { authors: kind.authors(row) } : {}),
      ...(kind.limits ? { limits: kind.limits } : {}),
      ...(onBehalfOf ? { onBehalfOf } : {}),
    };
  }

  private async principalOf(manager: EntityManager, input: EventInput): Promise<Principal | undefined> {
    const principalId = input.data?.onBehalfOf;
    if (typeof principalId !== 'string') return undefined;
    if (!this.principals) throw new Error('an event names onBehalfOf, but no module reads principals');
    return this.principals(manager, principalId, input.actor);
  }

  private async load<T extends WorkflowInstance>(manager: EntityManager, kind: InstanceKind<T>, id: string): Promise<T> {
    const row = await EntityStatements.of(this.dataSource, kind.entity).findById(manager, id);
    if (!row) throw new DomainError('NOT_FOUND', `${kind.name} ${id} not found`);
    return row;
  }

  /** The instance an event is for, with its subject where the kind has one. */
  private async loadForEvent<T extends WorkflowInstance>(
    manager: EntityManager,
    kind: InstanceKind<T>,
    id: string,
  ): Promise<{ row: T; subject?: Record<string, unknown> }> {
    if (!kind.withSubject) return { row: await this.load(manager, kind, id) };
    const loaded = await kind.withSubject(manager, id);
    if (!loaded) throw new DomainError('NOT_FOUND', `${kind.name} ${id} not found`);
    return loaded;
  }

  private async writeTimers(
    manager: EntityManager,
    instanceType: string,
    instanceId: string,
    result: Pick<TransitionResult, 'schedule' | 'cancel'>,
  ): Promise<void> {
    // One statement for the timers a transition cancels and one for those it schedules (a state may have several delays: v2's review has two).
    if (result.cancel.length > 0) {
      await plainQuery(manager, cancelTimers(result.cancel.length), [instanceId, ...result.cancel]);
    }
    const createdAt = this.now();
    await EntityStatements.of(this.dataSource, Timer).insert(
      manager,
      ...result.schedule.map((timer) => ({ id: randomUUID(), instanceType, instanceId, event: timer.event, dueAt: timer.dueAt, firedAt: null, createdAt })),
    );
    if (result.schedule.length > 0) this.logger.debug(`scheduled ${result.schedule.length} timer(s) for ${instanceType} ${instanceId}`);
  }
}

const cancelTexts: string[] = [];

/** `DELETE` of an instance's pending timers of `count` events (`instance_id = ?`, then the events): one text per count, prepared once each. */
function cancelTimers(count: number): string {
  return (cancelTexts[count] ??=
    `DELETE FROM timers WHERE instance_id = ? AND fired_at IS NULL AND event IN (${Array.from({ length: count }, () => '?').join(', ')})`);
}

/** An instance's refused event as its audit row names it: the event's type, with what it carried. */
function refusedAttempt(kindName: string, id: string, input: EventInput): Refused {
  const sent = { comment: input.comment ?? null, data: input.data ?? null };
  return { actor: input.actor, entityType: kindName, action: input.type, entityId: id, requestId: input.requestId, sent };
}

/**
 * When an instance last entered the state at `path` from outside it, from its accepted rows newest
 * first. A migration row hands the search on to the state it came from, at the same depth.
 */
function enteredAtOf(rows: Array<{ occurred_at: string; from_state: string | null; to_state: string; action: string }>, path: string): string {
  const within = (state: string | null, prefix: string) => state !== null && (state === prefix || state.startsWith(`${prefix}.`));
  let current = path;
  for (const row of rows) {
    if (!within(row.to_state, current)) continue;
    if (row.action === 'WORKFLOW_MIGRATED' && row.from_state !== null) {
      current = row.from_state.split('.').slice(0, current.split('.').length).join('.');
      continue;
    }
    if (!within(row.from_state, current)) return row.occurred_at;
  }
  return rows.at(-1)?.occurred_at ?? new Date(0).toISOString();
}

/** The fields whose value differs from the row's: an UPDATE that leaves the others out leaves their indexes alone. */
function changedFields<T extends object>(row: T, fields: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([name, value]) => row[name as keyof T] !== value)) as Partial<T>;
}

export function contentHash(subject: Record<string, unknown>): string {
  return sha256Hex(canonicalJson(subject));
}

/** Refuses a person's step after which the instance would hold more than MAX_CONTEXT_BYTES (`contextJson`, its context as JSON), and more than before. */
function withinSize(before: WorkflowContext, result: TransitionResult, event: EngineEvent, contextJson: string): void {
  if (!result.changed || event.actor.id === SYSTEM_ACTOR.id) return;
  const bytes = Buffer.byteLength(contextJson);
  if (bytes > MAX_CONTEXT_BYTES && bytes > Buffer.byteLength(JSON.stringify(before))) {
    const reason = `its record would grow to ${Math.ceil(bytes / 1024)} KB, past the ${MAX_CONTEXT_BYTES / 1024} KB an instance may hold (drafts, decisions, comments)`;
    throw new DomainError('GUARD_FAILED', `refused: ${reason}`, { rule: 'maxContextSize', reason });
  }
}
