import type { ApiApp } from './api.js';
import { DEFAULT_TERM, drivePartnership, sendEvent } from './drive.js';

/**
 * A partnership of `organizationId` whose text is agreed (DEFAULT_TERM): `bytes` uploaded as its
 * MOU draft and named by AGREE_TEXT. Answers the partnership and the agreed text's document.
 */
export async function agreeUploadedText(api: ApiApp, organizationId: string, bytes: Buffer, name: string): Promise<{ id: string; documentId: string }> {
  const negotiating = await drivePartnership(api, organizationId, 'mou_negotiation');
  const uploaded = await api.as('manager').post('/api/documents').field('kind', 'mou_draft').field('partnershipId', negotiating.id).attach('file', bytes, name);
  expect(uploaded.status).toBe(201);
  const document = uploaded.body as { id: string; sha256: string };
  const agreed = await sendEvent(api, 'manager', negotiating.id, negotiating.version, {
    type: 'AGREE_TEXT',
    data: { ...DEFAULT_TERM, documentId: document.id },
  }).expect(200);
  expect(agreed.body).toMatchObject({ state: 'awaiting_signatures', agreedText: { documentId: document.id, sha256: document.sha256 } });
  return { id: negotiating.id, documentId: document.id };
}
