import { createHash } from 'node:crypto';
import { canonicalJson } from '../common/canonical-json.js';
import { REFUSAL_LIST_LIMIT, REFUSAL_TEXT_LIMIT, refusalFields } from './refused-requests.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('refusalFields: what a refusal row keeps', () => {
  it('keeps a UUID as the entity id and writes "-" for anything else', () => {
    const id = '3f1c2a4e-1b2c-4d5e-8f90-123456789abc';
    expect(refusalFields({ action: 'APPROVE', entityId: id, payload: {} }).entityId).toBe(id);
    for (const other of ['=HYPERLINK("x")', `${'a'.repeat(63)}🙂`, '', undefined, ['a', 'b']]) {
      expect(refusalFields({ action: 'APPROVE', entityId: other, payload: {} }).entityId).toBe('-');
    }
  });

  it('cuts a long text without splitting a surrogate pair, and keeps its length and SHA-256', () => {
    const comment = `${'a'.repeat(REFUSAL_TEXT_LIMIT - 1)}🙂 and more`;
    const { payload } = refusalFields({ action: 'REJECT', entityId: '-', payload: { comment, data: { items: ['short', 'r'.repeat(600)] } } });
    expect(payload).toEqual({
      comment: 'a'.repeat(REFUSAL_TEXT_LIMIT - 1),
      data: { items: ['short', 'r'.repeat(REFUSAL_TEXT_LIMIT)] },
      truncated: { comment: { length: comment.length, sha256: sha256(comment) }, 'data.items[1]': { length: 600, sha256: sha256('r'.repeat(600)) } },
    });
  });

  it('keeps the first items of a long list, with its length and the SHA-256 of its canonical JSON', () => {
    const invalid = Array.from({ length: REFUSAL_LIST_LIMIT + 150 }, (_, i) => ({ row: i + 2, errors: ['name must be a string'] }));
    const { payload } = refusalFields({ action: 'POST /api/import/people', entityId: '-', payload: { details: { rows: 200, invalid } } });
    expect(payload).toEqual({
      details: { rows: 200, invalid: invalid.slice(0, REFUSAL_LIST_LIMIT) },
      truncated: { 'details.invalid': { length: REFUSAL_LIST_LIMIT + 150, sha256: sha256(canonicalJson(invalid)) } },
    });
  });

  it('leaves a payload of short texts as it is, and cuts the action to its column', () => {
    const payload = { code: 'FORBIDDEN', message: 'this needs one of the roles: manager', details: { requiredRoles: ['manager'] } };
    const fields = refusalFields({ action: `PATCH /api/${'x'.repeat(100)}`, entityId: '-', payload });
    expect(fields.payload).toEqual(payload);
    expect(fields.action).toHaveLength(80);
  });
});
