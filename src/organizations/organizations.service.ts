import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { beginAuditedEdit, insertAudited } from '../audit/audited-edit.js';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { WriteQueue } from '../database/write-queue.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import type { CreateOrganizationDto, UpdateOrganizationDto } from './dto/organization.dto.js';
import { Organization } from './organization.entity.js';

/** How many organizations a form's list of choices holds: they are counted in dozens, not thousands. */
const ORGANIZATION_CHOICES = 1000;

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
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  create(input: CreateOrganizationDto, actor: Actor, requestId?: string): Promise<Organization> {
    return this.queue.run(async (manager) => {
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
        version: 1,
        createdBy: actor.id,
        createdAt: at,
        updatedAt: at,
      };
      return insertAudited(manager, this.audit, { entity: Organization, entityType: 'organization', row, actor, requestId }, { fields: { ...input } });
    });
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
      return edit.save(changes, { occurredAt: this.clock.now().toISOString(), action: 'UPDATE', payload: { changes: { ...input } } });
    });
  }

  async get(id: string, manager = this.dataSource.manager): Promise<Organization> {
    const row = await manager.findOne(Organization, { where: { id } });
    if (!row) throw new DomainError('NOT_FOUND', `organization ${id} not found`);
    return row;
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
