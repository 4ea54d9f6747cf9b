import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, IsNull, MoreThanOrEqual, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { beginAuditedEdit, insertAudited } from '../audit/audited-edit.js';
import { Clock } from '../common/clock.js';
import { dateOf } from '../common/dates.js';
import { DomainError } from '../common/domain-error.js';
import { plainQuery } from '../database/plain-query.js';
import { WriteQueue } from '../database/write-queue.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import { displayNamesOf } from '../users/display-names.js';
import type { Role } from '../users/roles.js';
import { InstanceRuntime } from '../workflow-engine/instance-runtime.service.js';
import { delegationInForce } from '../workflow-engine/vocabulary.js';
import type { Actor, DelegationTerm, Principal } from '../workflow-engine/workflow.types.js';
import type { CreateDelegationDto, DelegationDto, DelegationListDto, DelegationQueryDto } from './dto/delegation.dto.js';
import { Delegation } from './delegation.entity.js';

/** The authority a delegation hands over: the approver's, and nothing else an approver may also hold. */
const DELEGATED_ROLES: readonly Role[] = ['approver'];

interface UserFacts {
  roles: Role[];
  active: boolean;
}

async function userFacts(manager: EntityManager, id: string): Promise<UserFacts | undefined> {
  const [row] = await plainQuery<{ roles: string; active: boolean | number }>(manager, 'SELECT roles, active FROM users WHERE id = ?', [id]);
  return row ? { roles: JSON.parse(row.roles) as Role[], active: row.active === true || row.active === 1 } : undefined;
}

function refuse(rule: string, message: string): DomainError {
  return new DomainError('GUARD_FAILED', message, { rule, reason: message });
}

function term(row: Pick<Delegation, 'id' | 'startsOn' | 'endsOn' | 'endedAt'>): DelegationTerm {
  return { id: row.id, startsOn: row.startsOn, endsOn: row.endsOn, endedAt: row.endedAt };
}

/**
 * An approver's authority handed to someone else for some days (SPEC "Delegation"). Whether a
 * delegation lets its delegate decide is the vocabulary's rule (`actsUnderDelegation`): this keeps
 * the rows, and hands each event the principal and their delegations to its sender.
 */
@Injectable()
export class DelegationsService implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: WriteQueue,
    private readonly audit: AuditService,
    private readonly runtime: InstanceRuntime,
    private readonly notifications: NotificationsService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.runtime.registerPrincipals((manager, principalId, sender) => this.principalOf(manager, principalId, sender.id));
  }

  /**
   * The person `senderId` names in an event: their approval authority while their account is
   * active, and the delegations they gave the sender that have not run their course (an earlier
   * one cannot be in force, and the event carries these into its audit row).
   */
  async principalOf(manager: EntityManager, principalId: string, senderId: string): Promise<Principal> {
    const user = await userFacts(manager, principalId);
    const rows = await plainQuery<{ id: string; starts_on: string; ends_on: string; ended_at: string | null }>(
      manager,
      'SELECT id, starts_on, ends_on, ended_at FROM delegations WHERE principal_id = ? AND delegate_id = ? AND ends_on >= ? ORDER BY starts_on, id',
      [principalId, senderId, dateOf(this.clock.now())],
    );
    return {
      id: principalId,
      roles: user?.active ? user.roles.filter((role) => DELEGATED_ROLES.includes(role)) : [],
      delegations: rows.map((row) => ({ id: row.id, startsOn: row.starts_on, endsOn: row.ends_on, endedAt: row.ended_at })),
    };
  }

  /** The people `delegateId` may decide for now, each as an event would carry them. */
  async principalsOf(delegateId: string): Promise<Principal[]> {
    const at = this.clock.now().toISOString();
    const rows = await this.dataSource.getRepository(Delegation).find({
      where: { delegateId, endedAt: IsNull(), endsOn: MoreThanOrEqual(dateOf(at)) },
      order: { startsOn: 'ASC', id: 'ASC' },
    });
    const principalIds = [...new Set(rows.filter((row) => delegationInForce(term(row), at)).map((row) => row.principalId))];
    const principals: Principal[] = [];
    for (const id of principalIds) principals.push(await this.principalOf(this.dataSource.manager, id, delegateId));
    return principals;
  }

  async create(input: CreateDelegationDto, actor: Actor, requestId?: string): Promise<DelegationDto> {
    const principalId = input.principalId ?? actor.id;
    if (principalId !== actor.id && !actor.roles.includes('admin')) {
      throw new DomainError('FORBIDDEN', 'an approver hands over their own authority; only an admin names principalId', { rule: 'ownAuthority' });
    }
    const today = dateOf(this.clock.now());
    const row = await this.queue.run(async (manager) => {
      const principal = await userFacts(manager, principalId);
      if (!principal?.active || !principal.roles.includes('approver')) {
        throw refuse(
          'principalIsApprover',
          principalId === actor.id ? 'you hold no approver role, so you have no approval authority to hand over' : 'principalId must name an active approver',
        );
      }
      if (input.delegateId === principalId) throw refuse('delegateIsAnother', 'the delegate must be someone other than the approver');
      if (!(await userFacts(manager, input.delegateId))?.active) throw refuse('delegateIsActiveUser', 'delegateId must name an active user');
      if (input.endsOn < input.startsOn) throw refuse('delegationDates', `endsOn (${input.endsOn}) must not come before startsOn (${input.startsOn})`);
      if (input.endsOn < today) throw refuse('delegationDates', `endsOn (${input.endsOn}) has passed: today is ${today}`);
      await this.refuseOverlaps(manager, principalId, input);
      const at = this.clock.now().toISOString();
      const created: Delegation = {
        id: randomUUID(),
        principalId,
        delegateId: input.delegateId,
        startsOn: input.startsOn,
        endsOn: input.endsOn,
        reason: input.reason ?? null,
        createdBy: actor.id,
        createdAt: at,
        endedAt: null,
        endedBy: null,
        version: 1,
        updatedAt: at,
      };
      const payload = { principalId, delegateId: created.delegateId, startsOn: created.startsOn, endsOn: created.endsOn, reason: created.reason };
      await insertAudited(manager, this.audit, { entity: Delegation, entityType: 'delegation', row: created, actor, requestId }, payload);
      // One that begins today is told now, with the change; a later one on its first day, by the sweep.
      if (delegationInForce(term(created), at)) {
        const [{ display_name: principalName }] = await plainQuery<{ display_name: string }>(manager, 'SELECT display_name FROM users WHERE id = ?', [
          principalId,
        ]);
        const { id: delegationId, delegateId, startsOn, endsOn, reason } = created;
        await this.notifications.delegationStarted(manager, { delegationId, delegateId, principalName, startsOn, endsOn, reason });
      }
      return created;
    });
    return (await this.views([row]))[0];
  }

  /**
   * Delegations do not chain: nobody is handed authority while they have handed theirs to
   * someone else, or hands it over while they hold someone else's, on any day the two share. One
   * approver hands their authority to one person once for any day.
   */
  private async refuseOverlaps(manager: EntityManager, principalId: string, input: CreateDelegationDto): Promise<void> {
    const overlapping = await plainQuery<{ principal_id: string; delegate_id: string; starts_on: string; ends_on: string }>(
      manager,
      `SELECT principal_id, delegate_id, starts_on, ends_on FROM delegations
        WHERE ended_at IS NULL AND starts_on <= ? AND ends_on >= ? AND (principal_id IN (?, ?) OR delegate_id = ?)`,
      [input.endsOn, input.startsOn, principalId, input.delegateId, principalId],
    );
    const days = (row: { starts_on: string; ends_on: string }) => `from ${row.starts_on} to ${row.ends_on}`;
    const chained = overlapping.find((row) => row.principal_id === input.delegateId || row.delegate_id === principalId);
    if (chained) {
      const who =
        chained.principal_id === input.delegateId
          ? 'the delegate has handed their own authority to someone else'
          : 'the approver holds someone else’s authority';
      throw refuse('noChain', `delegations do not chain: ${who} ${days(chained)}`);
    }
    const twin = overlapping.find((row) => row.principal_id === principalId && row.delegate_id === input.delegateId);
    if (twin) throw new DomainError('CONFLICT', `this approver already hands their authority to this delegate ${days(twin)}`, { rule: 'oneDelegationAtATime' });
  }

  /** Those naming the caller, or for an admin all; `active` filters on being in force today. Latest start first. */
  async list(actor: Actor, query: DelegationQueryDto): Promise<DelegationListDto> {
    const builder = this.dataSource.getRepository(Delegation).createQueryBuilder('d');
    if (!actor.roles.includes('admin')) builder.where('(d.principal_id = :me OR d.delegate_id = :me)', { me: actor.id });
    if (query.active !== undefined) {
      // delegationInForce in SQL, so that pages and totals are exact: an ended delegation was ended at a past instant.
      const inForce = 'd.ended_at IS NULL AND d.starts_on <= :today AND d.ends_on >= :today';
      builder.andWhere(query.active ? `(${inForce})` : `NOT (${inForce})`, { today: dateOf(this.clock.now()) });
    }
    const [rows, total] = await builder
      .orderBy('d.starts_on', 'DESC')
      .addOrderBy('d.created_at', 'DESC')
      .addOrderBy('d.id', 'ASC')
      .take(query.limit ?? 50)
      .skip(query.offset ?? 0)
      .getManyAndCount();
    return { items: await this.views(rows), total };
  }

  /** Ends a delegation now, kept and audited; its principal, its delegate or an admin may. Anyone else is told it does not exist. */
  async end(id: string, actor: Actor, requestId?: string): Promise<DelegationDto> {
    const ended = await this.queue.run(async (manager) => {
      const row = await manager.findOne(Delegation, { where: { id } });
      const visible = row !== null && (row.principalId === actor.id || row.delegateId === actor.id || actor.roles.includes('admin'));
      if (!visible) throw new DomainError('NOT_FOUND', `delegation ${id} not found`);
      const at = this.clock.now().toISOString();
      if (row.endedAt !== null) throw new DomainError('CONFLICT', `the delegation was already ended at ${row.endedAt}`, { rule: 'alreadyEnded' });
      if (row.endsOn < dateOf(at)) throw new DomainError('CONFLICT', `the delegation ran its course on ${row.endsOn}`, { rule: 'alreadyEnded' });
      const edit = beginAuditedEdit(manager, this.audit, { entity: Delegation, entityType: 'delegation', row, actor, requestId });
      return edit.save(
        { endedAt: at, endedBy: actor.id },
        { occurredAt: at, action: 'END', payload: { principalId: row.principalId, delegateId: row.delegateId } },
      );
    });
    return (await this.views([ended]))[0];
  }

  private async views(rows: Delegation[]): Promise<DelegationDto[]> {
    const names = await displayNamesOf(
      this.dataSource,
      rows.flatMap((row) => [row.principalId, row.delegateId]),
    );
    const person = (id: string) => ({ id, displayName: names.get(id)?.displayName ?? id });
    return rows.map((row) => ({
      id: row.id,
      principal: person(row.principalId),
      delegate: person(row.delegateId),
      startsOn: row.startsOn,
      endsOn: row.endsOn,
      reason: row.reason,
      endedAt: row.endedAt,
    }));
  }
}
