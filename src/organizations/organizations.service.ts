import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { beginAuditedEdit, insertAudited } from '../audit/audited-edit.js';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { WriteQueue } from '../database/write-queue.js';
import { PeopleService, type OrganizationMember } from '../people/people.service.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import type { CreateOrganizationDto, UpdateOrganizationDto } from './dto/organization.dto.js';
import { Organization } from './organization.entity.js';

/** How many organizations a form's list of choices holds: they are counted in dozens, not thousands. */
const ORGANIZATION_CHOICES = 1000;
/** How many parts of one organization its page lists. */
const CHILDREN_SHOWN = 200;
/** How deep organizations nest (a department of a centre of a university): a bound on the walk that refuses a cycle. */
const MAX_NESTING = 20;

export interface RelatedOrganization {
  id: string;
  name: string;
}

/** An organization with where it belongs, what belongs to it, and the people met there. */
export interface OrganizationProfile {
  organization: Organization;
  parent: RelatedOrganization | null;
  children: RelatedOrganization[];
  people: OrganizationMember[];
}

export interface OrganizationQuery {
  q?: string;
  limit?: number;
  offset?: number;
}

@Injectable()
export class OrganizationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: WriteQueue,
    private readonly audit: AuditService,
    private readonly people: PeopleService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  create(input: CreateOrganizationDto, actor: Actor, requestId?: string): Promise<Organization> {
    return this.queue.run((manager) => this.insert(manager, input, actor, requestId));
  }

  /**
   * Records an organization, audited, with its contacts as its people, in the caller's write
   * transaction: the one way an organization comes to be. `origin` goes into the audit row beside the fields.
   */
  async insert(
    manager: EntityManager,
    input: CreateOrganizationDto,
    actor: Actor,
    requestId?: string,
    origin: Record<string, unknown> = {},
  ): Promise<Organization> {
    if (input.parentId) await this.get(input.parentId, manager);
    const at = this.clock.now().toISOString();
    const row: Organization = {
      id: randomUUID(),
      name: input.name.trim(),
      nameKey: input.name.trim().toLowerCase(),
      kind: input.kind,
      country: input.country.toUpperCase(),
      city: input.city ?? null,
      website: input.website ?? null,
      contacts: input.contacts ?? [],
      parentId: input.parentId ?? null,
      version: 1,
      createdBy: actor.id,
      createdAt: at,
      updatedAt: at,
    };
    await insertAudited(manager, this.audit, { entity: Organization, entityType: 'organization', row, actor, requestId }, { fields: { ...input }, ...origin });
    await this.people.adoptContacts(manager, row.id, row.contacts, actor, requestId);
    return row;
  }

  update(id: string, input: UpdateOrganizationDto, actor: Actor, expectedVersion: number, requestId?: string): Promise<Organization> {
    return this.queue.run(async (manager) => {
      if (Object.keys(input).length === 0) throw new DomainError('VALIDATION_FAILED', 'nothing to change: name at least one field');
      const row = await this.get(id, manager);
      const edit = beginAuditedEdit(manager, this.audit, { entity: Organization, entityType: 'organization', row, expectedVersion, actor, requestId });
      const changes: Partial<Organization> = { ...input };
      if (input.name !== undefined) {
        changes.name = input.name.trim();
        changes.nameKey = changes.name.toLowerCase();
      }
      if (input.country !== undefined) changes.country = input.country.toUpperCase();
      if (input.parentId) await this.checkParent(manager, id, input.parentId);
      const saved = await edit.save(changes, { occurredAt: this.clock.now().toISOString(), action: 'UPDATE', payload: { changes: { ...input } } });
      if (input.contacts) await this.people.adoptContacts(manager, id, input.contacts, actor, requestId);
      return saved;
    });
  }

  async get(id: string, manager = this.dataSource.manager): Promise<Organization> {
    const row = await manager.findOne(Organization, { where: { id } });
    if (!row) throw new DomainError('NOT_FOUND', `organization ${id} not found`);
    return row;
  }

  /** The organization with its parent, its parts and its people. */
  async profile(idOrRow: string | Organization): Promise<OrganizationProfile> {
    const organization = typeof idOrRow === 'string' ? await this.get(idOrRow) : idOrRow;
    const repository = this.dataSource.getRepository(Organization);
    const parent = organization.parentId ? await repository.findOne({ select: { id: true, name: true }, where: { id: organization.parentId } }) : null;
    const children = await repository.find({
      select: { id: true, name: true },
      where: { parentId: organization.id },
      order: { nameKey: 'ASC', id: 'ASC' },
      take: CHILDREN_SHOWN,
    });
    return {
      organization,
      parent: parent ? { id: parent.id, name: parent.name } : null,
      children: children.map((c) => ({ id: c.id, name: c.name })),
      people: await this.people.atOrganization(organization.id),
    };
  }

  /** The parent exists, and is neither the organization nor one of its parts: organizations nest without cycles. */
  private async checkParent(manager: EntityManager, id: string, parentId: string): Promise<void> {
    let ancestor: string | null = (await this.get(parentId, manager)).id;
    for (let depth = 0; ancestor !== null; depth += 1) {
      if (ancestor === id)
        throw new DomainError('GUARD_FAILED', 'an organization cannot be part of itself or of one of its parts', { rule: 'noCycle', field: 'parentId' });
      if (depth >= MAX_NESTING)
        throw new DomainError('GUARD_FAILED', `organizations nest at most ${MAX_NESTING} deep`, { rule: 'maxNesting', field: 'parentId' });
      const row: Pick<Organization, 'parentId'> | null = await manager.findOne(Organization, { select: { id: true, parentId: true }, where: { id: ancestor } });
      ancestor = row?.parentId ?? null;
    }
  }

  async exists(id: string): Promise<boolean> {
    return (await this.dataSource.getRepository(Organization).countBy({ id })) > 0;
  }

  /** The organizations a form offers to choose from, by name. */
  async choices(): Promise<Array<Pick<Organization, 'id' | 'name'>>> {
    return (await this.list({ limit: ORGANIZATION_CHOICES })).items.map((o) => ({ id: o.id, name: o.name }));
  }

  async list(query: OrganizationQuery): Promise<{ items: Organization[]; total: number }> {
    const qb = this.dataSource.getRepository(Organization).createQueryBuilder('o');
    if (query.q) qb.where('o.name_key LIKE :q', { q: `%${query.q.toLowerCase()}%` });
    const [items, total] = await qb
      .orderBy('o.name_key', 'ASC')
      .take(query.limit ?? 50)
      .skip(query.offset ?? 0)
      .getManyAndCount();
    return { items, total };
  }
}
