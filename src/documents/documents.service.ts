import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import type { AppConfig } from '../config/app.config.js';
import { plainQuery } from '../database/plain-query.js';
import { WriteQueue } from '../database/write-queue.js';
import { updateVersioned } from '../database/versioned-update.js';
import { isAttachment, judgedEditsAfter } from '../partnerships/judged-content.js';
import { Engagement } from '../engagements/engagement.entity.js';
import { Partnership } from '../partnerships/partnership.entity.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import { blobBytes, storeBlob } from './blob-store.js';
import { Document, type DocumentKind } from './document.entity.js';
import { type ListDocumentsQueryDto, UploadDocumentDto } from './dto/document.dto.js';
import { diffWordsWithSpace } from 'diff';
import { detectMediaType } from './media-type.js';
import { extractText } from './text-extraction.js';
import type { ReceivedUpload } from './upload-receiver.js';

/** An upload whose bytes were looked at: taken (its media type is one the SPEC lists) and its text found, before anything is written. */
export interface InspectedUpload extends ReceivedUpload {
  mediaType: string;
  /** Its text, when its bytes are not stored yet; a stored blob keeps the text found at its first upload. */
  text: string | null;
  hasText: boolean;
  /** Its bytes are stored already (one copy per SHA-256): they are not written again, nor their text extracted again. */
  stored: boolean;
}

/** A document's bytes, read a chunk at a time as they are sent, with what a download says of them. */
export interface DocumentContent {
  document: Document;
  bytes: Readable;
}

export type TextChangeOp = 'equal' | 'insert' | 'delete';

/** Two documents' texts compared word by word. */
export interface DocumentDiff {
  from: Pick<Document, 'id' | 'sha256'>;
  to: Pick<Document, 'id' | 'sha256'>;
  changes: Array<{ op: TextChangeOp; text: string }>;
}

@Injectable()
export class DocumentsService {
  /** The largest upload taken, in bytes. */
  readonly maxUploadBytes: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: WriteQueue,
    private readonly audit: AuditService,
    @Inject(Clock) private readonly clock: Clock,
    config: ConfigService,
  ) {
    this.maxUploadBytes = config.getOrThrow<AppConfig>('app').maxUploadBytes;
  }

  /** The media type of an upload's bytes (415 when it is not one taken) and its text; a form with several files looks at each before it keeps any. */
  async inspect(upload: ReceivedUpload): Promise<InspectedUpload> {
    const mediaType = await detectMediaType(upload.path, upload.name);
    const [stored] = await plainQuery<{ has_text: number }>(
      this.dataSource,
      'SELECT CASE WHEN text IS NULL THEN 0 ELSE 1 END AS has_text FROM blobs WHERE sha256 = ?',
      [upload.sha256],
    );
    if (stored) return { ...upload, mediaType, text: null, hasText: Number(stored.has_text) === 1, stored: true };
    const text = await extractText(upload.path, mediaType);
    return { ...upload, mediaType, text, hasText: text !== null, stored: false };
  }

  /** Keeps an upload: its bytes once per SHA-256, a document row, and its audit row, in one transaction. */
  async upload(received: ReceivedUpload | InspectedUpload, actor: Actor, requestId?: string): Promise<Document> {
    const fields = plainToInstance(UploadDocumentDto, received.fields);
    const problems = validateSync(fields, { whitelist: true, forbidNonWhitelisted: true }).flatMap((e) => Object.values(e.constraints ?? {}));
    if (problems.length > 0) throw new DomainError('VALIDATION_FAILED', problems.join('; '), { errors: problems });
    const upload = 'mediaType' in received ? received : await this.inspect(received);
    const { mediaType, text, hasText, stored } = upload;
    return this.queue.run(async (manager) => {
      if (fields.partnershipId) {
        const partnership = await manager.findOneBy(Partnership, { id: fields.partnershipId });
        if (!partnership) throw new DomainError('NOT_FOUND', `partnership ${fields.partnershipId} not found`);
        // An attachment changes what approvers judge: its uploader wrote part of the proposal, as an editor of its fields does.
        if (isAttachment(fields.kind)) {
          await updateVersioned(manager, Partnership, partnership.id, partnership.version, { judgedEdits: judgedEditsAfter(partnership, actor.id) });
        }
      }
      if (fields.engagementId && !(await manager.existsBy(Engagement, { id: fields.engagementId }))) {
        throw new DomainError('NOT_FOUND', `engagement ${fields.engagementId} not found`);
      }
      const row: Document = {
        id: randomUUID(),
        name: upload.name.slice(0, 255),
        title: fields.title ?? null,
        kind: fields.kind,
        mediaType,
        size: upload.size,
        sha256: upload.sha256,
        partnershipId: fields.partnershipId ?? null,
        engagementId: fields.engagementId ?? null,
        uploadedBy: actor.id,
        uploadedAt: this.clock.now().toISOString(),
        hasText,
      };
      // Another upload of the same bytes may have stored them since inspect looked: storeBlob checks again.
      if (!stored) await storeBlob(manager, { sha256: row.sha256, size: row.size, path: upload.path, text });
      await manager.insert(Document, row);
      const { id, uploadedAt, ...payload } = row;
      await this.audit.append(manager, {
        occurredAt: uploadedAt,
        actor,
        action: 'DOCUMENT_UPLOADED',
        entityType: 'document',
        entityId: id,
        outcome: 'ok',
        requestId,
        payload,
      });
      return row;
    });
  }

  /**
   * The document an event of partnership `partnershipId` names, read in the event's transaction: 404 when there is none, 422 WRONG_DOCUMENT when it is
   * not of the kind the event needs or belongs to no or another partnership.
   */
  async forPartnershipEvent(manager: EntityManager, id: string, partnershipId: string, kind: DocumentKind): Promise<Document> {
    const document = await manager.findOne(Document, { where: { id } });
    if (!document) throw new DomainError('NOT_FOUND', `document ${id} not found`);
    if (document.kind !== kind || document.partnershipId !== partnershipId) {
      const what = document.partnershipId === partnershipId ? `a ${document.kind}` : document.partnershipId ? 'of another partnership' : 'of no partnership';
      throw new DomainError('WRONG_DOCUMENT', `document ${id} is ${what}: this event takes a ${kind} uploaded for this partnership`, {
        documentId: id,
        kind: document.kind,
        partnershipId: document.partnershipId,
        needs: { kind, partnershipId },
      });
    }
    return document;
  }

  async get(id: string): Promise<Document> {
    const row = await this.dataSource.manager.findOne(Document, { where: { id } });
    if (!row) throw new DomainError('NOT_FOUND', `document ${id} not found`);
    return row;
  }

  async content(id: string): Promise<DocumentContent> {
    const document = await this.get(id);
    return { document, bytes: Readable.from(blobBytes(this.dataSource, document.sha256), { objectMode: false }) };
  }

  /** The text found in a document at upload; 422 NO_TEXT when there was none. */
  async text(id: string): Promise<string> {
    return (await this.withText(id)).text;
  }

  /** What changed, word by word, from one document's text to another's. */
  async diff(fromId: string, toId: string): Promise<DocumentDiff> {
    const [from, to] = [await this.withText(fromId), await this.withText(toId)];
    return compared(from, to);
  }

  /**
   * The same comparison where a page shows it beside other things: none when either has no text, more than `maxChars` of it, or
   * more than MAX_DIFF_EDITS changes.
   */
  async diffWithin(fromId: string, toId: string, maxChars: number): Promise<DocumentDiff | undefined> {
    try {
      const [from, to] = [await this.withText(fromId), await this.withText(toId)];
      return from.text.length <= maxChars && to.text.length <= maxChars ? compared(from, to) : undefined;
    } catch (error) {
      if (error instanceof DomainError && ['NO_TEXT', 'TEXT_TOO_LONG', 'TOO_MANY_CHANGES'].includes(error.code)) return undefined;
      throw error;
    }
  }

  private async withText(id: string): Promise<{ document: Document; text: string }> {
    const document = await this.get(id);
    const [blob] = document.hasText
      ? await plainQuery<{ text: string | null }>(this.dataSource, 'SELECT text FROM blobs WHERE sha256 = ?', [document.sha256])
      : [];
    if (!blob?.text) throw new DomainError('NO_TEXT', `document ${id} (${document.mediaType}) has no text`, { documentId: id });
    return { document, text: blob.text };
  }

  async list(query: ListDocumentsQueryDto): Promise<{ items: Document[]; total: number }> {
    const qb = this.dataSource.getRepository(Document).createQueryBuilder('d');
    if (query.partnershipId) qb.andWhere('d.partnership_id = :partnershipId', { partnershipId: query.partnershipId });
    if (query.engagementId) qb.andWhere('d.engagement_id = :engagementId', { engagementId: query.engagementId });
    if (query.kind) qb.andWhere('d.kind = :kind', { kind: query.kind });
    const [items, total] = await qb
      .orderBy('d.uploaded_at', 'DESC')
      .addOrderBy('d.id', 'ASC')
      .take(query.limit ?? 50)
      .skip(query.offset ?? 0)
      .getManyAndCount();
    return { items, total };
  }
}

/**
 * The most words and spaces added or removed that a comparison looks for. The word diff's cost grows with the length of the texts
 * times the changes between them: two unrelated texts of 2,000 words took 5 s, of 20,000 words 140 s, with the event loop held.
 * Giving up past this many changes, and reading at most MAX_DIFF_CHARS, bounds any pair to about half a second; drafts of one agreement differ by fewer.
 */
export const MAX_DIFF_EDITS = 2000;
/** The longest text a comparison reads: splitting it into words costs too, 1.7 s for two texts of 9.6 million characters that differ by a word. */
export const MAX_DIFF_CHARS = 1_000_000;

/** Two texts compared word by word, spaces counted; 422 TEXT_TOO_LONG past MAX_DIFF_CHARS, TOO_MANY_CHANGES past MAX_DIFF_EDITS. */
function compared(from: { document: Document; text: string }, to: { document: Document; text: string }): DocumentDiff {
  const longer = [from, to].find(({ text }) => text.length > MAX_DIFF_CHARS);
  if (longer) {
    throw new DomainError(
      'TEXT_TOO_LONG',
      `the text of document ${longer.document.id} is longer than ${MAX_DIFF_CHARS} characters: too long to compare word by word`,
      {
        documentId: longer.document.id,
        maxChars: MAX_DIFF_CHARS,
      },
    );
  }
  const diff = diffWordsWithSpace(from.text, to.text, { maxEditLength: MAX_DIFF_EDITS });
  if (!diff) {
    throw new DomainError('TOO_MANY_CHANGES', `the texts differ in more than ${MAX_DIFF_EDITS} words and spaces: too many to compare word by word`, {
      maxChanges: MAX_DIFF_EDITS,
    });
  }
  const changes = diff.map((change): { op: TextChangeOp; text: string } => ({
    op: change.added ? 'insert' : change.removed ? 'delete' : 'equal',
    text: change.value,
  }));
  return { from: { id: from.document.id, sha256: from.document.sha256 }, to: { id: to.document.id, sha256: to.document.sha256 }, changes };
}
