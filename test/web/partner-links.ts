import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PartnerLinksService } from '../../src/documents/partner-links/partner-links.service.js';
import { DocumentsService } from '../../src/documents/documents.service.js';
import { sendFromCurrent } from '../support/factories.js';
import type { WebApp } from './browser.js';

const draftFile = fileURLToPath(new URL('../fixtures/mou-draft-1.docx', import.meta.url));
const draft = readFileSync(draftFile);
export const AGREED_DRAFT_SHA256 = createHash('sha256').update(draft).digest('hex');
const sha256 = AGREED_DRAFT_SHA256;

/** A partnership whose agreed text is `draft`, uploaded and named by AGREE_TEXT, through the services as the manager would; and a link to it. */
export async function seedPartnerLink(web: WebApp, title: string): Promise<{ partnershipId: string; token: string }> {
  const id = await web.seedProposal({ title, submit: true });
  await sendFromCurrent(web, id, 'APPROVE', web.actors.approver);
  const document = await web
    .get(DocumentsService)
    .upload({ fields: { kind: 'mou_draft', partnershipId: id }, name: 'MOU final.docx', path: draftFile, size: draft.length, sha256 }, web.actors.manager);
  await sendFromCurrent(web, id, 'SHARE_DRAFT', web.actors.manager, { data: { documentId: document.id } });
  await sendFromCurrent(web, id, 'AGREE_TEXT', web.actors.manager, { data: { effectiveFrom: '2026-04-01', expiresOn: '2029-03-31', documentId: document.id } });
  const { token } = await web.get(PartnerLinksService).issue(id, { name: 'Prof. Sara Malik' }, web.actors.manager);
  return { partnershipId: id, token };
}
