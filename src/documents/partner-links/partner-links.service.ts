import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../../audit/audit.service.js';
import { beginAuditedEdit, insertAudited } from '../../audit/audited-edit.js';
import { RefusalAuditor } from '../../audit/refusal-auditor.js';
import { Clock } from '../../common/clock.js';
import { DomainError } from '../../common/domain-error.js';
import { WriteRateLimiter } from '../../common/http/write-rate-limit.guard.js';
import type { AppConfig } from '../../config/app.config.js';
import { WriteQueue } from '../../database/write-queue.js';
import { PARTNER_ACKNOWLEDGED, PARTNER_COMMENT, type PartnerNoticeSubject } from '../../notifications/notification-kinds.js';
import { NotificationsService } from '../../notifications/notifications.service.js';
import { Organization } from '../../organizations/organization.entity.js';
import { Partnership } from '../../partnerships/partnership.entity.js';
import type { Actor } from '../../workflow-engine/workflow.types.js';
import type { Document } from '../document.entity.js';
import { DocumentsService, type DocumentContent } from '../documents.service.js';
import {
  EXPIRES_IN_DAYS,
  type AcknowledgeDto,
  type CreatePartnerLinkDto,
  type IssuedPartnerLinkDto,
  type PartnerLinkDto,
  type PartnerLinkListDto,
  type PartnerLinkQueryDto,
  type PartnerLinkStatus,
  type PartnerViewDto,
} from './dto/partner-link.dto.js';
import { PartnerLink } from './partner-link.entity.js';
import { PartnerThrottle } from './partner-throttle.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const ENTITY_TYPE = 'partner_link';
/** One body for every token that opens no live link, so none tells an unknown token from a revoked or expired one. */
const NO_SUCH_LINK = 'this link is unknown, revoked or expired: ask the person who sent it for a new one';

/** The agreed text as AGREE_TEXT records it in the partnership's context. */
interface AgreedText {
  documentId: string | null;
  sha256: string;
}

/** Where a partner's request comes from, for the throttle and the audit rows. */
export interface PartnerClient {
  address: string;
  requestId: string;
}

/** What a link shows its partner, and what the page needs beside it. */
export interface PartnerPageFacts {
  view: PartnerViewDto;
  link: PartnerLinkDto;
  /** The agreed text changed after the link was issued: it can no longer be acknowledged. */
  textChanged: boolean;
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function agreedTextOf(partnership: Partnership): AgreedText | null {
  const agreed = partnership.context.agreedText as Partial<AgreedText> | null | undefined;
  return agreed && typeof agreed.sha256 === 'string' ? { documentId: agreed.documentId ?? null, sha256: agreed.sha256 } : null;
}

/** The partner acts as the link: no account, a name of their own in the audit rows. */
export function partnerActor(link: Pick<PartnerLink, 'id'>): Actor {
  return { id: `partner-link:${link.id}`, roles: ['partner'] };
}

/**
 * Links that let the partner's signatory read the agreed text and acknowledge its hash (SPEC "The
 * partner's acknowledgement"). A link is bound to the text's SHA-256 at issue; every change of one
 * (issue, revocation, acknowledgement) is an audited edit, a comment an audit row; the owner is
 * told of what the partner did in the same transaction.
 */
@Injectable()
export class PartnerLinksService {
  private readonly publicUrl: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: WriteQueue,
    private readonly audit: AuditService,
    private readonly refusals: RefusalAuditor,
    private readonly limiter: WriteRateLimiter,
    private readonly documents: DocumentsService,
    private readonly notifications: NotificationsService,
    private readonly throttle: PartnerThrottle,
    @Inject(Clock) private readonly clock: Clock,
    config: ConfigService,
  ) {
    this.publicUrl = config.getOrThrow<AppConfig>('app').publicUrl;
  }

  /** Issues a link to the partnership's agreed text; the token is in this answer only. */
  async issue(partnershipId: string, input: CreatePartnerLinkDto, actor: Actor, requestId?: string): Promise<IssuedPartnerLinkDto> {
    const token = randomBytes(32).toString('base64url');
    const row = await this.queue.run(async (manager) => {
      const partnership = await manager.findOne(Partnership, { where: { id: partnershipId } });
      if (!partnership) throw new DomainError('NOT_FOUND', `partnership ${partnershipId} not found`);
      const agreed = agreedTextOf(partnership);
      if (!agreed?.documentId) {
        throw new DomainError('NO_AGREED_TEXT', 'the partnership has no agreed text held as a document yet: agree the text (AGREE_TEXT) first', {
          rule: 'agreedTextPresent',
        });
      }
      const now = this.clock.now();
      const at = now.toISOString();
      const link: PartnerLink = {
        id: randomUUID(),
        partnershipId,
        tokenHash: hashToken(token),
        name: input.name,
        email: input.email ?? null,
        documentId: agreed.documentId,
        sha256: agreed.sha256,
        expiresAt: new Date(now.getTime() + (input.expiresInDays ?? EXPIRES_IN_DAYS.default) * DAY_MS).toISOString(),
        createdBy: actor.id,
        createdAt: at,
        revokedAt: null,
        revokedBy: null,
        acknowledgedAt: null,
        acknowledgedName: null,
        acknowledgedTitle: null,
        version: 1,
        updatedAt: at,
      };
      const { partnershipId: of, name, email, documentId, sha256, expiresAt } = link;
      return insertAudited(
        manager,
        this.audit,
        { entity: PartnerLink, entityType: ENTITY_TYPE, row: link, actor, requestId },
        {
          partnershipId: of,
          name,
          email,
          documentId,
          sha256,
          expiresAt,
        },
      );
    });
    return { ...this.view(row), url: `${this.publicUrl}/partner/${token}`, token };
  }

  /** A page of links, newest first, without their tokens. */
  async list(query: PartnerLinkQueryDto): Promise<PartnerLinkListDto> {
    const builder = this.dataSource.getRepository(PartnerLink).createQueryBuilder('l');
    if (query.partnershipId) builder.where('l.partnership_id = :partnershipId', { partnershipId: query.partnershipId });
    const [rows, total] = await builder
      .orderBy('l.created_at', 'DESC')
      .addOrderBy('l.id', 'ASC')
      .take(query.limit ?? 50)
      .skip(query.offset ?? 0)
      .getManyAndCount();
    return { items: rows.map((row) => this.view(row)), total };
  }

  /** Revokes a link now, kept and audited; one already revoked is 409. */
  async revoke(id: string, actor: Actor, requestId?: string): Promise<PartnerLinkDto> {
    const revoked = await this.queue.run(async (manager) => {
      const row = await manager.findOne(PartnerLink, { where: { id } });
      if (!row) throw new DomainError('NOT_FOUND', `partner link ${id} not found`);
      if (row.revokedAt) throw new DomainError('CONFLICT', `the link was already revoked at ${row.revokedAt}`, { rule: 'alreadyRevoked' });
      const at = this.clock.now().toISOString();
      const edit = beginAuditedEdit(manager, this.audit, { entity: PartnerLink, entityType: ENTITY_TYPE, row, actor, requestId });
      return edit.save({ revokedAt: at, revokedBy: actor.id }, { occurredAt: at, action: 'REVOKE', payload: { partnershipId: row.partnershipId } });
    });
    return this.view(revoked);
  }

  /** The acknowledgements partners made of the texts of partnerships `ownerId` owns, since `since`, newest first. */
  async acknowledgementsFor(ownerId: string, since: string, limit: number): Promise<{ items: Array<PartnerLinkDto & { title: string }>; total: number }> {
    const [rows, total] = await this.dataSource
      .getRepository(PartnerLink)
      .createQueryBuilder('l')
      .innerJoin(Partnership, 'p', 'p.id = l.partnership_id')
      .where('p.created_by = :ownerId AND l.acknowledged_at >= :since', { ownerId, since })
      .orderBy('l.acknowledged_at', 'DESC')
      .addOrderBy('l.id', 'ASC')
      .take(limit)
      .getManyAndCount();
    const titles = await this.titlesOf(rows.map((row) => row.partnershipId));
    return { items: rows.map((row) => ({ ...this.view(row), title: titles.get(row.partnershipId) ?? '' })), total };
  }

  /** Every link of a partnership, newest first: what the partnership page shows. */
  async ofPartnership(partnershipId: string): Promise<PartnerLinkDto[]> {
    return (await this.list({ partnershipId, limit: 200 })).items;
  }

  /** What the partner reads through a live link. */
  async read(token: string, client: PartnerClient): Promise<PartnerPageFacts> {
    const link = await this.open(token, client);
    const partnership = await this.partnershipOf(this.dataSource.manager, link);
    const organization = await this.dataSource.manager.findOne(Organization, { where: { id: partnership.organizationId } });
    const document = await this.documentOf(link);
    const context = partnership.context;
    return {
      view: {
        organization: { name: organization?.name ?? '', country: organization?.country ?? '' },
        partnership: { title: partnership.title },
        term: { effectiveFrom: (context.effectiveFrom as string | undefined) ?? null, expiresOn: (context.expiresOn as string | undefined) ?? null },
        agreedText: { name: document.name, sha256: link.sha256, size: document.size },
        acknowledgedAt: link.acknowledgedAt,
      },
      link: this.view(link),
      textChanged: agreedTextOf(partnership)?.sha256 !== link.sha256,
    };
  }

  /** The bytes of the text the link is bound to. */
  async document(token: string, client: PartnerClient): Promise<DocumentContent> {
    const link = await this.open(token, client);
    return this.documents.content((await this.documentOf(link)).id);
  }

  /** The partner confirms the agreed text: once per link, and only while it is the text the link was issued for. */
  async acknowledge(token: string, input: AcknowledgeDto, client: PartnerClient): Promise<PartnerLinkDto> {
    const opened = await this.open(token, client);
    const actor = partnerActor(opened);
    await this.limiter.take(actor.id);
    const refused = { actor, entityType: ENTITY_TYPE, action: 'PARTNER_ACKNOWLEDGED', entityId: opened.id, requestId: client.requestId };
    const acknowledged = await this.queue
      .run(async (manager) => {
        const link = await this.live(manager, opened.id);
        if (link.acknowledgedAt) {
          throw new DomainError('CONFLICT', `the text was already acknowledged through this link, at ${link.acknowledgedAt}`, {
            rule: 'acknowledgedOnce',
          });
        }
        const partnership = await this.partnershipOf(manager, link);
        const agreed = agreedTextOf(partnership);
        if (agreed?.sha256 !== link.sha256) {
          throw new DomainError('TEXT_CHANGED', 'the agreed text changed after this link was sent: ask for a new link to the text as it now stands', {
            linkSha256: link.sha256,
            agreedSha256: agreed?.sha256 ?? null,
          });
        }
        const at = this.clock.now().toISOString();
        const edit = beginAuditedEdit(manager, this.audit, { entity: PartnerLink, entityType: ENTITY_TYPE, row: link, actor, requestId: client.requestId });
        const saved = await edit
          .save(
            { acknowledgedAt: at, acknowledgedName: input.name, acknowledgedTitle: input.title },
            {
              occurredAt: at,
              action: 'PARTNER_ACKNOWLEDGED',
              payload: { partnershipId: link.partnershipId, documentId: link.documentId, sha256: link.sha256, name: input.name, title: input.title },
            },
          )
          .catch((error: unknown) => {
            // On PostgreSQL a confirmation sent twice at once finds the link changed by the other: the partner sent no version to be stale.
            if (!(error instanceof DomainError) || error.code !== 'VERSION_MISMATCH') throw error;
            throw new DomainError('CONFLICT', 'the link was confirmed or withdrawn at the same moment: open it again to see which', {
              rule: 'acknowledgedOnce',
            });
          });
        await this.notifications.partnerActed(manager, PARTNER_ACKNOWLEDGED, {
          ...this.noticeSubject(link, partnership),
          partnerName: input.name,
          partnerTitle: input.title,
        });
        return saved;
      })
      .catch(async (error: unknown) => {
        await this.refusals.record(error, refused);
        throw error;
      });
    return this.view(acknowledged);
  }

  /** The partner's comment on the text, recorded and told to the owner. */
  async comment(token: string, comment: string, client: PartnerClient): Promise<void> {
    const opened = await this.open(token, client);
    const actor = partnerActor(opened);
    await this.limiter.take(actor.id);
    await this.queue.run(async (manager) => {
      const link = await this.live(manager, opened.id);
      const partnership = await this.partnershipOf(manager, link);
      await this.audit.append(manager, {
        occurredAt: this.clock.now().toISOString(),
        actor,
        action: 'PARTNER_COMMENTED',
        entityType: ENTITY_TYPE,
        entityId: link.id,
        outcome: 'ok',
        requestId: client.requestId,
        payload: { partnershipId: link.partnershipId, sha256: link.sha256, comment },
      });
      await this.notifications.partnerActed(manager, PARTNER_COMMENT, { ...this.noticeSubject(link, partnership), partnerName: link.name, comment });
    });
  }

  /** The live link a token opens, the address's throttle taken first; 404 alike for every other token. */
  private async open(token: string, client: PartnerClient): Promise<PartnerLink> {
    const link = await this.queue.run(async (manager) => {
      await this.throttle.take(manager, client.address);
      const row = await manager.findOne(PartnerLink, { where: { tokenHash: hashToken(token) } });
      if (!row || !this.isLive(row)) return null;
      await this.throttle.giveBack(manager, client.address);
      return row;
    });
    if (!link) throw new DomainError('NOT_FOUND', NO_SUCH_LINK);
    return link;
  }

  /** The link as it stands in this transaction, still live (it may have been revoked or run out since it was opened). */
  private async live(manager: EntityManager, id: string): Promise<PartnerLink> {
    const row = await manager.findOne(PartnerLink, { where: { id } });
    if (!row || !this.isLive(row)) throw new DomainError('NOT_FOUND', NO_SUCH_LINK);
    return row;
  }

  private isLive(row: PartnerLink): boolean {
    return row.revokedAt === null && this.clock.now().toISOString() < row.expiresAt;
  }

  private async partnershipOf(manager: EntityManager, link: PartnerLink): Promise<Partnership> {
    const partnership = await manager.findOne(Partnership, { where: { id: link.partnershipId } });
    if (!partnership) throw new DomainError('NOT_FOUND', NO_SUCH_LINK);
    return partnership;
  }

  private async documentOf(link: PartnerLink): Promise<Document> {
    if (!link.documentId) throw new DomainError('NOT_FOUND', NO_SUCH_LINK);
    return this.documents.get(link.documentId);
  }

  private noticeSubject(link: PartnerLink, partnership: Partnership): Omit<PartnerNoticeSubject, 'partnerName'> {
    return { linkId: link.id, partnershipId: partnership.id, title: partnership.title, ownerId: partnership.createdBy, sha256: link.sha256 };
  }

  private async titlesOf(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.dataSource
      .getRepository(Partnership)
      .createQueryBuilder('p')
      .select(['p.id', 'p.title'])
      .whereInIds([...new Set(ids)])
      .getMany();
    return new Map(rows.map((row) => [row.id, row.title]));
  }

  private status(row: PartnerLink): PartnerLinkStatus {
    if (row.acknowledgedAt) return 'acknowledged';
    if (row.revokedAt) return 'revoked';
    return this.isLive(row) ? 'open' : 'expired';
  }

  private view(row: PartnerLink): PartnerLinkDto {
    return {
      id: row.id,
      partnershipId: row.partnershipId,
      name: row.name,
      email: row.email,
      documentId: row.documentId,
      sha256: row.sha256,
      expiresAt: row.expiresAt,
      createdBy: row.createdBy,
      createdAt: row.createdAt,
      revokedAt: row.revokedAt,
      acknowledgedAt: row.acknowledgedAt,
      acknowledgedName: row.acknowledgedName,
      acknowledgedTitle: row.acknowledgedTitle,
      status: this.status(row),
    };
  }
}
