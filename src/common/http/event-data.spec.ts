import { transitionGroups } from '../../workflow-engine/transitions.js';
import { WorkflowRegistry } from '../../workflow-engine/workflow-registry.js';
import type { StateConfig } from '../../workflow-engine/workflow.types.js';
import {
  ApproveData,
  commentWords,
  dataWords,
  EVENT_SCHEMAS,
  fieldWords,
  formFields,
  hasForm,
  NUMBER_PATHS,
  requiredPaths,
  validateEventData,
} from './event-data.dto.js';
import { dataFields } from './event-field.js';

/** Each event's `meta.requires` in every published definition, state by state. */
function requiresOf(node: StateConfig, path = ''): Array<{ at: string; type: string; requires: string[] }> {
  const own = transitionGroups(node)
    .filter((group) => group.kind === 'on')
    .flatMap(({ key, transitions }) => transitions.map((t) => ({ at: `${path} ${key}`, type: key, requires: [...(t.meta?.requires ?? [])].sort() })));
  return [...own, ...Object.entries(node.states ?? {}).flatMap(([key, child]) => requiresOf(child, path ? `${path}.${key}` : key))];
}

describe('the one schema of each event', () => {
  const events = WorkflowRegistry.loadDirectory('workflows')
    .all()
    .flatMap(({ definition }) => requiresOf(definition.machine).map((e) => ({ ...e, at: `${definition.id} v${definition.version}: ${e.at}` })));

  it("requires exactly what every published definition's meta.requires names, state by state", () => {
    expect(events.length).toBeGreaterThan(15);
    expect(events.map(({ at, type }) => ({ at, requires: [...requiredPaths(type)].sort() }))).toEqual(events.map(({ at, requires }) => ({ at, requires })));
  });

  it('has an entry for every event of the definitions, and none besides', () => {
    expect(Object.keys(EVENT_SCHEMAS).sort()).toEqual([...new Set(events.map((e) => e.type))].sort());
  });

  it('gives the forms their fields, labels per event, and refusals their words', () => {
    expect(formFields('SCHEDULE').map((f) => [f.path, f.label, f.required])).toEqual([
      ['data.date', 'Date', true],
      ['data.venue', 'Venue', false],
      ['comment', 'Comment', false],
    ]);
    expect(formFields('POSTPONE')[0]).toMatchObject({ path: 'data.date', label: 'New date', input: 'date', required: true });
    // The form asks for the file (the page uploads it and sends its id), never for its name or hash; the words of a refusal still name them.
    expect(formFields('SHARE_DRAFT').map((f) => [f.path, f.input, f.required])).toEqual([
      ['data.documentId', 'file', true],
      ['comment', 'textarea', false],
    ]);
    expect(formFields('RECORD_SIGNATURE').find((f) => f.input === 'file')).toMatchObject({
      path: 'data.documentId',
      required: false,
      upload: { kind: 'signed_mou' },
    });
    expect(fieldWords('data.document.sha256')).toBe('the document’s SHA-256');
    expect(hasForm('SHARE_DRAFT')).toBe(true);
    expect(hasForm('RECORD_EXISTING')).toBe(false);
    expect(formFields('APPROVE').map((f) => f.path)).toEqual(['comment']);
    expect(formFields('REJECT')).toEqual([{ path: 'comment', label: 'Comment', input: 'textarea', words: 'a comment', required: true }]);
    expect(fieldWords('data.expiresOn')).toBe('the expiry date');
    expect(fieldWords('data.unknown')).toBeUndefined();
    expect([...NUMBER_PATHS]).toEqual(['data.attendance']);
  });

  it("words OpenAPI's account of comment and data from the schema", () => {
    expect(commentWords()).toBe('Needed by REQUEST_CHANGES, REJECT, TERMINATE and CANCEL; leave it out for no comment (null is refused).');
    expect(dataWords()).toBe(
      "The event's own fields: SHARE_DRAFT {documentId?, document?: {name, sha256, url?}}; AGREE_TEXT {effectiveFrom, expiresOn, documentId?}; " +
        'RECORD_SIGNATURE {party, signatory, signedOn, documentId?}; RECORD_EXISTING {effectiveFrom, expiresOn, signatures, documentId?}; ' +
        'RENEW {expiresOn}; PLAN_DELIVERY {startsOn, endsOn}; APPROVE {onBehalfOf?, contentHash?}; SCHEDULE/POSTPONE/BRING_FORWARD {date, venue?}; MARK_HELD {report, attendance?}; ' +
        'REQUEST_CHANGES/REJECT {onBehalfOf?}. ' +
        'Their schemas: ShareDraftData, AgreeTextData, SignatureData, RecordExistingData, RenewData, DeliveryPeriodData, ApproveData, ScheduleData, HeldData, DecisionData.',
    );
  });

  it('gives a class the fields of the class it extends, first: a decision names whom it is for, an approval also the content read', () => {
    expect(dataFields(ApproveData).map((field) => field.path)).toEqual(['data.onBehalfOf', 'data.contentHash']);
    expect(validateEventData('REJECT', { onBehalfOf: '00000000-0000-4000-8000-000000000000' })).toEqual({ onBehalfOf: '00000000-0000-4000-8000-000000000000' });
    expect(() => validateEventData('REJECT', { onBehalfOf: 'someone' })).toThrow('data.onBehalfOf must be a UUID');
    expect(() => validateEventData('WITHDRAW', { onBehalfOf: '00000000-0000-4000-8000-000000000000' })).toThrow('WITHDRAW takes no data');
  });

  it("validates data by the event's class: a missing field is the workflow's to refuse, a wrong or unknown one is refused here", () => {
    expect(validateEventData('SHARE_DRAFT', { document: { name: 'MOU.docx' } })).toEqual({ document: { name: 'MOU.docx' } });
    expect(() => validateEventData('SHARE_DRAFT', { document: { name: 'MOU.docx', sha256: 'x', extra: 1 } })).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        details: { errors: ['data.document.property extra should not exist', 'data.document.sha256 must be 64 lower-case hex characters'] },
      }),
    );
    expect(() => validateEventData('SCHEDULE', { date: '2026-02-30', venue: null })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(validateEventData('SUBMIT_FOR_APPROVAL', {})).toBeUndefined();
    expect(() => validateEventData('WITHDRAW', { reason: 'x' })).toThrow(expect.objectContaining({ details: { errors: ['data must be empty for WITHDRAW'] } }));
  });
});
