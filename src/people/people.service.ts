import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, In, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { beginAuditedEdit, insertAudited } from '../audit/audited-edit.js';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { WriteQueue } from '../database/write-queue.js';
import { Organization, type Contact } from '../organizations/organization.entity.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import type { AffiliationDto, CreatePersonDto, ListPeopleQueryDto, UpdatePersonDto } from './dto/person.dto.js';
import { Affiliation } from './affiliation.entity.js';
import { Person } from './person.entity.js';

export interface AffiliationView {
  organizationId: string;
  organizationName: string;
  title: string | null;
}

export interface PersonView {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  notes: string | null;
  affiliations: AffiliationView[];
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** A person as an organization lists them: with their title there. */
export interface OrganizationMember {
  id: string;
  name: string;
  title: string | null;
}

/** How many people an organization's page lists: its staff met, counted in dozens. */
const MEMBERS_SHOWN = 200;

@Injectable()
export class PeopleService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: WriteQueue,
    private readonly audit: AuditService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  create(input: CreatePersonDto, actor: Actor, requestId?: string): Promise<PersonView> {
    return this.queue.run(async (manager) => this.view(manager, await this.insert(manager, input, actor, requestId)));
  }

  /** Records a person, audited, in the caller's write transaction: the one way a person comes to be. `origin` goes into the audit row beside the fields. */
  async insert(manager: EntityManager, input: CreatePersonDto, actor: Actor, requestId?: string, origin: Record<string, unknown> = {}): Promise<Person> {
    await this.checkAffiliations(manager, input.affiliations);
    const at = this.clock.now().toISOString();
    const name = input.name.trim();
    const row: Person = {
      id: randomUUID(),
      name,
      nameKey: name.toLowerCase(),
      email: input.email ?? null,
      phone: input.phone ?? null,
      notes: input.notes ?? null,
      version: 1,
      createdBy: actor.id,
      createdAt: at,
      updatedAt: at,
    };
    await insertAudited(manager, this.audit, { entity: Person, entityType: 'person', row, actor, requestId }, { fields: { ...input }, ...origin });
    await this.replaceAffiliations(manager, row.id, input.affiliations);
    return row;
  }

  /**
   * An organization's contacts as people affiliated to it, in the caller's write transaction, as the
   * migration made them: a contact whose name (any case) no person there bears yet becomes one, with
   * the contact's title and address; one already there is left as it is, so sending the same list
   * again adds nobody. Answers the people created.
   */
  async adoptContacts(manager: EntityManager, organizationId: string, contacts: Contact[], actor: Actor, requestId?: string): Promise<Person[]> {
    if (contacts.length === 0) return [];
    const present = new Set(
      (
        await manager
          .getRepository(Affiliation)
          .createQueryBuilder('a')
          .innerJoin(Person, 'p', 'p.id = a.person_id')
          .select('p.name_key', 'nameKey')
          .where('a.organization_id = :organizationId', { organizationId })
          .getRawMany<{ nameKey: string }>()
      ).map((row) => row.nameKey),
    );
    const created: Person[] = [];
    for (const contact of contacts) {
      const key = contact.name.trim().toLowerCase();
      if (present.has(key)) continue;
      present.add(key);
      const input: CreatePersonDto = {
        name: contact.name,
        ...(contact.email ? { email: contact.email } : {}),
        affiliations: [{ organizationId, ...(contact.title ? { title: contact.title } : {}) }],
      };
      created.push(await this.insert(manager, input, actor, requestId));
    }
    return created;
  }

  update(id: string, input: UpdatePersonDto, actor: Actor, expectedVersion: number, requestId?: string): Promise<PersonView> {
    return this.queue.run(async (manager) => {
      if (Object.keys(input).length === 0) throw new DomainError('VALIDATION_FAILED', 'nothing to change: name at least one field');
      const row = await this.find(manager, id);
      const edit = beginAuditedEdit(manager, this.audit, { entity: Person, entityType: 'person', row, expectedVersion, actor, requestId });
      const { affiliations, ...fields } = input;
      const changes: Partial<Person> = { ...fields };
      if (input.name !== undefined) {
        changes.name = input.name.trim();
        changes.nameKey = changes.name.toLowerCase();
      }
      if (affiliations !== undefined) {
        await this.checkAffiliations(manager, affiliations);
        await this.replaceAffiliations(manager, id, affiliations);
      }
      const saved = await edit.save(changes, { occurredAt: this.clock.now().toISOString(), action: 'UPDATE', payload: { changes: { ...input } } });
      return this.view(manager, saved);
    });
  }

  async get(id: string): Promise<PersonView> {
    return this.view(this.dataSource.manager, await this.find(this.dataSource.manager, id));
  }

  async list(query: ListPeopleQueryDto): Promise<{ items: PersonView[]; total: number }> {
    const qb = this.dataSource.getRepository(Person).createQueryBuilder('p');
    if (query.q) qb.andWhere('p.name_key LIKE :q', { q: `%${query.q.toLowerCase()}%` });
    if (query.organizationId) {
      await this.checkOrganizationFilter(query.organizationId);
      qb.andWhere('EXISTS (SELECT 1 FROM affiliations a WHERE a.person_id = p.id AND a.organization_id = :organizationId)', {
        organizationId: query.organizationId,
      });
    }
    const [rows, total] = await qb
      .orderBy('p.name_key', 'ASC')
      .addOrderBy('p.id', 'ASC')
      .take(query.limit ?? 50)
      .skip(query.offset ?? 0)
      .getManyAndCount();
    const affiliations = await this.affiliationsOf(
      this.dataSource.manager,
      rows.map((r) => r.id),
    );
    return { items: rows.map((row) => toView(row, affiliations.get(row.id) ?? [])), total };
  }

  /** The people affiliated to an organization, by name, with their title there. */
  async atOrganization(organizationId: string): Promise<OrganizationMember[]> {
    const rows = await this.dataSource
      .getRepository(Affiliation)
      .createQueryBuilder('a')
      .innerJoin(Person, 'p', 'p.id = a.person_id')
      .select(['p.id AS id', 'p.name AS name', 'a.title AS title'])
      .where('a.organization_id = :organizationId', { organizationId })
      .orderBy('p.name_key', 'ASC')
      .addOrderBy('p.id', 'ASC')
      .limit(MEMBERS_SHOWN)
      .getRawMany<OrganizationMember>();
    return rows.map((row) => ({ id: row.id, name: row.name, title: row.title ?? null }));
  }

  /** Whether every id names a person; the ids that do not. */
  async missing(manager: EntityManager, ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const found = new Set((await manager.find(Person, { select: { id: true }, where: { id: In(ids) } })).map((p) => p.id));
    return ids.filter((id) => !found.has(id));
  }

  private async find(manager: EntityManager, id: string): Promise<Person> {
    const row = await manager.findOne(Person, { where: { id } });
    if (!row) throw new DomainError('NOT_FOUND', `person ${id} not found`);
    return row;
  }

  private async checkOrganizationFilter(organizationId: string): Promise<void> {
    if (!(await this.dataSource.getRepository(Organization).existsBy({ id: organizationId }))) {
      throw new DomainError('VALIDATION_FAILED', `organizationId ${organizationId} names no organization`);
    }
  }

  /** Each organization once, and each one existing. */
  private async checkAffiliations(manager: EntityManager, affiliations: AffiliationDto[]): Promise<void> {
    const ids = affiliations.map((a) => a.organizationId);
    const repeated = ids.filter((id, index) => ids.indexOf(id) !== index);
    if (repeated.length > 0) throw new DomainError('VALIDATION_FAILED', `affiliations name organization ${repeated[0]} more than once`);
    if (ids.length === 0) return;
    const found = new Set((await manager.find(Organization, { select: { id: true }, where: { id: In(ids) } })).map((o) => o.id));
    const unknown = ids.find((id) => !found.has(id));
    if (unknown) throw new DomainError('NOT_FOUND', `organization ${unknown} not found`);
  }

  private async replaceAffiliations(manager: EntityManager, personId: string, affiliations: AffiliationDto[]): Promise<void> {
    await manager.delete(Affiliation, { personId });
    if (affiliations.length === 0) return;
    await manager.insert(
      Affiliation,
      affiliations.map((a, position) => ({ personId, organizationId: a.organizationId, title: a.title ?? null, position })),
    );
  }

  private async affiliationsOf(manager: EntityManager, personIds: string[]): Promise<Map<string, AffiliationView[]>> {
    const byPerson = new Map<string, AffiliationView[]>();
    if (personIds.length === 0) return byPerson;
    const rows = await manager
      .getRepository(Affiliation)
      .createQueryBuilder('a')
      .innerJoin(Organization, 'o', 'o.id = a.organization_id')
      .select(['a.person_id AS "personId"', 'a.organization_id AS "organizationId"', 'o.name AS "organizationName"', 'a.title AS title'])
      .where('a.person_id IN (:...personIds)', { personIds })
      .orderBy('a.position', 'ASC')
      .getRawMany<AffiliationView & { personId: string }>();
    for (const { personId, organizationId, organizationName, title } of rows) {
      const list = byPerson.get(personId) ?? [];
      list.push({ organizationId, organizationName, title: title ?? null });
      byPerson.set(personId, list);
    }
    return byPerson;
  }

  private async view(manager: EntityManager, row: Person): Promise<PersonView> {
    return toView(row, (await this.affiliationsOf(manager, [row.id])).get(row.id) ?? []);
  }
}

function toView(row: Person, affiliations: AffiliationView[]): PersonView {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    notes: row.notes,
    affiliations,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
