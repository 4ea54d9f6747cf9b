import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, In, type EntityManager, type EntityTarget } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { beginAuditedEdit, insertAudited } from '../audit/audited-edit.js';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { WriteQueue } from '../database/write-queue.js';
import { Document } from '../documents/document.entity.js';
import { Organization } from '../organizations/organization.entity.js';
import { Partnership } from '../partnerships/partnership.entity.js';
import { Person } from '../people/person.entity.js';
import { User } from '../users/user.entity.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import type { CreateEngagementDto, ListEngagementsQueryDto, UpdateEngagementDto } from './dto/engagement.dto.js';
import { Engagement, EngagementLink, type LinkType } from './engagement.entity.js';
import { FollowUpsService, followUpView } from './follow-ups.service.js';

/** The list fields of a request, by the type of link each becomes. */
const LINK_FIELDS = { organization: 'organizationIds', attendee: 'attendeeIds', staff: 'staffIds', partnership: 'partnershipIds' } as const;

/** Where each kind of link points, and what a view shows of it. */
const LINK_TARGETS: Record<LinkType, { entity: EntityTarget<{ id: string }>; label: string; noun: string }> = {
  organization: { entity: Organization, label: 'name', noun: 'organization' },
  attendee: { entity: Person, label: 'name', noun: 'person' },
  staff: { entity: User, label: 'displayName', noun: 'user' },
  partnership: { entity: Partnership, label: 'title', noun: 'partnership' },
};

/** How many partnerships an engagement's view lists as grown out of it. */
const LED_TO_SHOWN = 200;
/** How many documents an engagement's view lists, newest first. */
const DOCUMENTS_SHOWN = 200;
/** How many meetings of a trip its view lists, in order. */
const MEETINGS_SHOWN = 200;

export interface NamedLink {
  id: string;
  name: string;
}

export interface EngagementSummary {
  id: string;
  kind: string;
  title: string;
  startsOn: string;
  endsOn: string | null;
  place: string | null;
  parentId: string | null;
  organizations: NamedLink[];
  version: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface EngagementView extends EngagementSummary {
  notes: string | null;
  attendees: NamedLink[];
  staff: NamedLink[];
  partnerships: NamedLink[];
  parent: { id: string; title: string } | null;
  meetings: Array<Pick<EngagementSummary, 'id' | 'kind' | 'title' | 'startsOn' | 'endsOn' | 'place'>>;
  followUps: Array<ReturnType<typeof followUpView>>;
  documents: Array<Pick<Document, 'id' | 'name' | 'title' | 'kind' | 'mediaType' | 'size' | 'uploadedAt'>>;
  ledTo: Array<{ id: string; title: string; state: string }>;
}

@Injectable()
export class EngagementsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: WriteQueue,
    private readonly audit: AuditService,
    private readonly followUps: FollowUpsService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  create(input: CreateEngagementDto, actor: Actor, requestId?: string): Promise<EngagementView> {
    return this.queue.run(async (manager) => {
      const id = randomUUID();
      await this.checkShape(manager, id, input.kind, input.startsOn, input.endsOn ?? null, input.parentId ?? null);
      const links = await this.checkedLinks(manager, input);
      const at = this.clock.now().toISOString();
      const title = input.title.trim();
      const row: Engagement = {
        id,
        kind: input.kind,
        title,
        titleKey: title.toLowerCase(),
        startsOn: input.startsOn,
        endsOn: input.endsOn ?? null,
        place: input.place ?? null,
        notes: input.notes ?? null,
        parentId: input.parentId ?? null,
        version: 1,
        createdBy: actor.id,
        createdAt: at,
        updatedAt: at,
      };
      await insertAudited(manager, this.audit, { entity: Engagement, entityType: 'engagement', row, actor, requestId }, { fields: { ...input } });
      await this.replaceLinks(manager, id, links);
      return this.view(manager, row);
    });
  }

  update(id: string, input: UpdateEngagementDto, actor: Actor, expectedVersion: number, requestId?: string): Promise<EngagementView> {
    return this.queue.run(async (manager) => {
      if (Object.keys(input).length === 0) throw new DomainError('VALIDATION_FAILED', 'nothing to change: name at least one field');
      const row = await this.find(manager, id);
      const edit = beginAuditedEdit(manager, this.audit, { entity: Engagement, entityType: 'engagement', row, expectedVersion, actor, requestId });
      const kind = input.kind ?? row.kind;
      const startsOn = input.startsOn ?? row.startsOn;
      const endsOn = input.endsOn === undefined ? row.endsOn : input.endsOn;
      const parentId = input.parentId === undefined ? row.parentId : input.parentId;
      await this.checkShape(manager, id, kind, startsOn, endsOn, parentId);
      if (kind !== 'trip' && row.kind === 'trip' && (await manager.existsBy(Engagement, { parentId: id }))) {
        throw new DomainError('GUARD_FAILED', 'a trip with meetings stays a trip: take its meetings out first', { rule: 'tripKeepsMeetings', field: 'kind' });
      }
      const { organizationIds, attendeeIds, staffIds, partnershipIds, ...fields } = input;
      const links = await this.checkedLinks(manager, { organizationIds, attendeeIds, staffIds, partnershipIds });
      await this.replaceLinks(manager, id, links);
      const changes: Partial<Engagement> = { ...fields };
      if (input.title !== undefined) {
        changes.title = input.title.trim();
        changes.titleKey = changes.title.toLowerCase();
      }
      const saved = await edit.save(changes, { occurredAt: this.clock.now().toISOString(), action: 'UPDATE', payload: { changes: { ...input } } });
      return this.view(manager, saved);
    });
  }

  async get(id: string): Promise<EngagementView> {
    return this.view(this.dataSource.manager, await this.find(this.dataSource.manager, id));
  }

  async exists(manager: EntityManager, id: string): Promise<boolean> {
    return manager.existsBy(Engagement, { id });
  }

  /** Newest first (by the day it starts), a bounded page at a time. */
  async list(query: ListEngagementsQueryDto): Promise<{ items: EngagementSummary[]; total: number }> {
    const qb = this.dataSource.getRepository(Engagement).createQueryBuilder('e');
    if (query.q) qb.andWhere('e.title_key LIKE :q', { q: `%${query.q.toLowerCase()}%` });
    if (query.from) qb.andWhere('COALESCE(e.ends_on, e.starts_on) >= :from', { from: query.from });
    if (query.to) qb.andWhere('e.starts_on <= :to', { to: query.to });
    if (query.organizationId) {
      if (!(await this.dataSource.getRepository(Organization).existsBy({ id: query.organizationId }))) {
        throw new DomainError('VALIDATION_FAILED', `organizationId ${query.organizationId} names no organization`);
      }
      qb.andWhere(
        "EXISTS (SELECT 1 FROM engagement_links l WHERE l.engagement_id = e.id AND l.target_type = 'organization' AND l.target_id = :organizationId)",
        { organizationId: query.organizationId },
      );
    }
    const [rows, total] = await qb
      .orderBy('e.starts_on', 'DESC')
      .addOrderBy('e.id', 'DESC')
      .take(query.limit ?? 50)
      .skip(query.offset ?? 0)
      .getManyAndCount();
    const links = await this.linksOf(
      this.dataSource.manager,
      rows.map((r) => r.id),
      ['organization'],
    );
    return { items: rows.map((row) => summaryOf(row, links.get(row.id)?.organization ?? [])), total };
  }

  private async find(manager: EntityManager, id: string): Promise<Engagement> {
    const row = await manager.findOne(Engagement, { where: { id } });
    if (!row) throw new DomainError('NOT_FOUND', `engagement ${id} not found`);
    return row;
  }

  /** The dates are in order; a parent is a trip, and a trip has none (so trips hold meetings one level deep, without cycles). */
  private async checkShape(manager: EntityManager, id: string, kind: string, startsOn: string, endsOn: string | null, parentId: string | null): Promise<void> {
    if (endsOn !== null && endsOn < startsOn) {
      throw new DomainError('GUARD_FAILED', `endsOn (${endsOn}) must not come before startsOn (${startsOn})`, { rule: 'datesOrdered', field: 'endsOn' });
    }
    if (parentId === null) return;
    if (kind === 'trip') throw new DomainError('GUARD_FAILED', 'a trip is not part of another engagement', { rule: 'tripHasNoParent', field: 'parentId' });
    if (parentId === id) throw new DomainError('GUARD_FAILED', 'an engagement is not part of itself', { rule: 'parentIsTrip', field: 'parentId' });
    const parent = await manager.findOne(Engagement, { select: { id: true, kind: true }, where: { id: parentId } });
    if (!parent) throw new DomainError('NOT_FOUND', `engagement ${parentId} not found`);
    if (parent.kind !== 'trip') {
      throw new DomainError('GUARD_FAILED', `only a trip holds meetings: engagement ${parentId} is a ${parent.kind}`, {
        rule: 'parentIsTrip',
        field: 'parentId',
      });
    }
  }

  /** The lists the request names, each id checked to exist (404 names the first that does not); lists left out stay as they are. */
  private async checkedLinks(
    manager: EntityManager,
    input: Partial<Record<(typeof LINK_FIELDS)[LinkType], string[] | null>>,
  ): Promise<Partial<Record<LinkType, string[]>>> {
    const links: Partial<Record<LinkType, string[]>> = {};
    for (const [type, field] of Object.entries(LINK_FIELDS) as Array<[LinkType, (typeof LINK_FIELDS)[LinkType]]>) {
      const ids = input[field];
      if (ids === undefined || ids === null) continue;
      if (ids.length > 0) {
        const found = new Set((await manager.find(LINK_TARGETS[type].entity, { select: { id: true }, where: { id: In(ids) } })).map((row) => row.id));
        const unknown = ids.find((target) => !found.has(target));
        if (unknown) throw new DomainError('NOT_FOUND', `${LINK_TARGETS[type].noun} ${unknown} not found`, { field });
      }
      links[type] = ids;
    }
    return links;
  }

  private async replaceLinks(manager: EntityManager, engagementId: string, links: Partial<Record<LinkType, string[]>>): Promise<void> {
    for (const [type, ids] of Object.entries(links) as Array<[LinkType, string[]]>) {
      await manager.delete(EngagementLink, { engagementId, targetType: type });
      if (ids.length > 0) {
        await manager.insert(
          EngagementLink,
          ids.map((targetId, position) => ({ engagementId, targetType: type, targetId, position })),
        );
      }
    }
  }

  /** The links of some engagements, with the name of what each points to, in the order they were given. */
  private async linksOf(manager: EntityManager, engagementIds: string[], types: LinkType[]): Promise<Map<string, Partial<Record<LinkType, NamedLink[]>>>> {
    const byEngagement = new Map<string, Partial<Record<LinkType, NamedLink[]>>>();
    if (engagementIds.length === 0) return byEngagement;
    const rows = await manager.find(EngagementLink, {
      where: { engagementId: In(engagementIds), targetType: In(types) },
      order: { position: 'ASC' },
    });
    const names = new Map<string, string>();
    for (const type of types) {
      const ids = [...new Set(rows.filter((r) => r.targetType === type).map((r) => r.targetId))];
      if (ids.length === 0) continue;
      const { entity, label } = LINK_TARGETS[type];
      const targets = (await manager.find(entity, { select: { id: true, [label]: true }, where: { id: In(ids) } })) as Array<Record<string, string>>;
      for (const target of targets) names.set(`${type}:${target.id}`, target[label]);
    }
    for (const row of rows) {
      const entry = byEngagement.get(row.engagementId) ?? {};
      (entry[row.targetType] ??= []).push({ id: row.targetId, name: names.get(`${row.targetType}:${row.targetId}`) ?? '' });
      byEngagement.set(row.engagementId, entry);
    }
    return byEngagement;
  }

  private async view(manager: EntityManager, row: Engagement): Promise<EngagementView> {
    const links = (await this.linksOf(manager, [row.id], ['organization', 'attendee', 'staff', 'partnership'])).get(row.id) ?? {};
    const parent = row.parentId ? await manager.findOne(Engagement, { select: { id: true, title: true }, where: { id: row.parentId } }) : null;
    const meetings =
      row.kind === 'trip'
        ? await manager.find(Engagement, { where: { parentId: row.id }, order: { startsOn: 'ASC', createdAt: 'ASC', id: 'ASC' }, take: MEETINGS_SHOWN })
        : [];
    return {
      ...summaryOf(row, links.organization ?? []),
      notes: row.notes,
      attendees: links.attendee ?? [],
      staff: links.staff ?? [],
      partnerships: links.partnership ?? [],
      parent: parent ? { id: parent.id, title: parent.title } : null,
      meetings: meetings.map((m) => ({ id: m.id, kind: m.kind, title: m.title, startsOn: m.startsOn, endsOn: m.endsOn, place: m.place })),
      followUps: (await this.followUps.forEngagement(row.id, manager)).map(followUpView),
      documents: await manager.find(Document, {
        select: { id: true, name: true, title: true, kind: true, mediaType: true, size: true, uploadedAt: true },
        where: { engagementId: row.id },
        order: { uploadedAt: 'DESC', id: 'ASC' },
        take: DOCUMENTS_SHOWN,
      }),
      ledTo: (
        await manager.find(Partnership, {
          select: { id: true, title: true, state: true },
          where: { originEngagementId: row.id },
          order: { createdAt: 'ASC', id: 'ASC' },
          take: LED_TO_SHOWN,
        })
      ).map((p) => ({ id: p.id, title: p.title, state: p.state })),
    };
  }
}

function summaryOf(row: Engagement, organizations: NamedLink[]): EngagementSummary {
  return {
    id: row.id,
    kind: row.kind,
    title: row.title,
    startsOn: row.startsOn,
    endsOn: row.endsOn,
    place: row.place,
    parentId: row.parentId,
    organizations,
    version: row.version,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
