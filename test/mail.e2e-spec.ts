import { MailWorker } from '../src/notifications/mail/mail-worker.service.js';
import { UsersService } from '../src/users/users.service.js';
import { createApiApp, ROLE_USERS, type ApiApp, type UserName } from './support/api.js';
import { sendEvent } from './support/drive.js';
import { postOrganization, postPartnership } from './support/factories.js';
import { SmtpCatcher } from './support/smtp-catcher.js';

const PUBLIC_URL = 'https://partnerships.example.org';
const TITLE = 'Annual lecture and research collaboration';

interface Notice {
  id: string;
  kind: string;
  link: string;
  readAt: string | null;
  email: { status: string; attempts: number; lastError?: string; sentAt?: string };
}

/**
 * Notices by mail through a real SMTP server (`smtp-server` on a free port, each mail read back with
 * `mailparser`), with the in-process app's clock moved instead of waiting for retries and digests.
 */
describe('mail through a real SMTP server', () => {
  let smtp: SmtpCatcher;
  let api: ApiApp;
  let organizationId: string;
  const addressOf = (user: UserName) => `${user.toLowerCase()}@example.org`;
  const worker = () => api.get(MailWorker);

  beforeAll(async () => {
    smtp = await SmtpCatcher.start();
    api = await createApiApp({ SMTP_URL: smtp.url, PUBLIC_URL, MAIL_POLL_MS: '0', MAIL_MAX_ATTEMPTS: '3' });
    for (const user of Object.keys(ROLE_USERS) as UserName[]) {
      await api
        .as('admin')
        .patch(`/api/users/${api.ids[user]}`)
        .send({ email: addressOf(user) })
        .expect(200);
    }
    organizationId = await postOrganization(api);
  });

  afterAll(async () => {
    await api.close();
    await smtp.close();
  });

  async function submit(): Promise<string> {
    const p = await postPartnership(api, organizationId);
    await sendEvent(api, 'manager', p.id, p.version, { type: 'SUBMIT_FOR_APPROVAL' }).expect(200);
    return p.id;
  }

  const noticesAbout = async (user: UserName, partnershipId: string): Promise<Notice[]> =>
    ((await api.as(user).get('/api/notifications?limit=200').expect(200)).body as { items: Notice[] }).items.filter(
      (n) => n.link === `${PUBLIC_URL}/ui/partnerships/${partnershipId}`,
    );
  const emailOf = async (user: UserName, partnershipId: string) => (await noticesAbout(user, partnershipId)).map((n) => n.email);
  const later = (minutes: number) => api.clock.set(new Date(api.clock.now().getTime() + minutes * 60_000));

  it('mails every approver who may decide, right after the commit, with the subject and the link; not the submitter', async () => {
    const before = smtp.mails.length;
    const id = await submit();
    await smtp.waitFor(before + 3);
    for (const approver of ['approver', 'approver2', 'managerApprover'] as const) {
      const [notice] = await noticesAbout(approver, id);
      const mails = smtp.to(addressOf(approver)).filter((mail) => mail.messageId === `<${notice.id}@partnerships.example.org>`);
      expect(mails).toHaveLength(1);
      const [mail] = mails;
      expect(mail.subject).toBe(`Waiting for your approval: ${TITLE}`);
      expect(mail.from?.value[0].address).toBe('notifications@partnerships.example.org');
      expect(mail.text).toContain(`Hello Test ${approver},`);
      expect(mail.text).toContain(`Open it: ${PUBLIC_URL}/ui/partnerships/${id}`);
      expect(mail.html).toContain(`href="${PUBLIC_URL}/ui/partnerships/${id}"`);
      expect(notice.email).toEqual({ status: 'sent', attempts: 1, sentAt: api.clock.now().toISOString() });
    }
    expect(smtp.mails.slice(before).map((mail) => mail.subject)).toEqual(Array(3).fill(`Waiting for your approval: ${TITLE}`));
    expect(smtp.to(addressOf('manager'))).toEqual([]);
  });

  it('keeps a mail the server refuses, and sends it on a later try', async () => {
    await smtp.set('refuse');
    const refused = smtp.refusals;
    const id = await submit();
    await smtp.waitForRefusals(refused + 3);
    await worker().kick();
    for (const email of await emailOf('approver', id))
      expect(email).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.stringContaining('451') });

    await smtp.set('accept');
    const before = smtp.mails.length;
    // The first retry waits a minute.
    later(0.5);
    await worker().kick();
    expect(smtp.mails.length).toBe(before);
    later(0.5);
    await worker().kick();
    expect(smtp.mails.length).toBe(before + 3);
    expect(await emailOf('approver', id)).toEqual([{ status: 'sent', attempts: 2, sentAt: api.clock.now().toISOString() }]);
  });

  it('keeps mail while the server is down, marks it failed after MAIL_MAX_ATTEMPTS, and an admin sends it again', async () => {
    await smtp.set('down');
    const id = await submit();
    await worker().kick();
    expect(await emailOf('approver2', id)).toEqual([
      expect.objectContaining({ status: 'pending', attempts: 1, lastError: expect.stringContaining('ECONNREFUSED') }),
    ]);
    for (const minutes of [2, 3]) {
      later(minutes);
      await worker().kick();
    }
    expect(await emailOf('approver2', id)).toEqual([expect.objectContaining({ status: 'failed', attempts: 3 })]);

    const failed = (await api.as('admin').get('/api/notifications/outbox?status=failed').expect(200)).body as {
      items: Array<{ notificationId: string; recipient: { email: string } }>;
      total: number;
    };
    expect(failed.total).toBe(3);
    expect(failed.items.map((mail) => mail.recipient.email).sort()).toEqual(['approver2@example.org', 'approver@example.org', 'managerapprover@example.org']);

    await smtp.set('accept');
    const before = smtp.mails.length;
    for (const mail of failed.items) {
      const retried = await api.as('admin').post(`/api/notifications/outbox/${mail.notificationId}/retry`).expect(200);
      expect(retried.body.email).toMatchObject({ status: 'pending', attempts: 0 });
    }
    await smtp.waitFor(before + 3);
    await worker().kick();
    expect(await emailOf('approver2', id)).toEqual([expect.objectContaining({ status: 'sent', attempts: 1 })]);
    await api.as('admin').post(`/api/notifications/outbox/${failed.items[0].notificationId}/retry`).expect(409);
    expect((await api.as('admin').get('/api/notifications/outbox?status=failed').expect(200)).body.total).toBe(0);
  });

  it('gathers a day’s unread notices of a daily reader into one digest, at DIGEST_HOUR_UTC', async () => {
    const admin = { id: api.ids.admin, roles: ['admin'] };
    await api.get(UsersService).update(api.ids.approver2, { emailMode: 'daily' }, admin);
    try {
      api.clock.set('2026-03-10T09:00:00.000Z');
      const ids = [await submit(), await submit(), await submit(), await submit()];
      await worker().kick();
      const [read] = await noticesAbout('approver2', ids[3]);
      await api.as('approver2').post(`/api/notifications/${read.id}/read`).expect(204);
      const before = smtp.to(addressOf('approver2')).length;

      api.clock.set('2026-03-11T06:59:00.000Z');
      await worker().kick();
      expect(smtp.to(addressOf('approver2'))).toHaveLength(before);

      api.clock.set('2026-03-11T07:00:00.000Z');
      await worker().kick();
      const digests = smtp.to(addressOf('approver2')).slice(before);
      expect(digests.map((mail) => mail.subject)).toEqual(['What waits for you: 3 notices (2026-03-11)']);
      for (const id of ids.slice(0, 3)) expect(digests[0].text).toContain(`Open it: ${PUBLIC_URL}/ui/partnerships/${id}`);
      expect(digests[0].text).not.toContain(ids[3]);
      expect(await emailOf('approver2', ids[0])).toEqual([{ status: 'sent', attempts: 1, sentAt: '2026-03-11T07:00:00.000Z' }]);
      expect(await emailOf('approver2', ids[3])).toEqual([{ status: 'off', attempts: 0 }]);
    } finally {
      await api.get(UsersService).update(api.ids.approver2, { emailMode: 'immediate' }, admin);
    }
  });

  it('mails nothing to a user whose emailMode is off, nor what waited when they turned it off', async () => {
    await smtp.set('down');
    const waiting = await submit();
    await worker().kick();
    expect(await emailOf('managerApprover', waiting)).toEqual([expect.objectContaining({ status: 'pending', attempts: 1 })]);
    await api.get(UsersService).update(api.ids.managerApprover, { emailMode: 'off' }, { id: api.ids.admin, roles: ['admin'] });
    await smtp.set('accept');
    later(2);
    await worker().kick();
    expect(await emailOf('managerApprover', waiting)).toEqual([{ status: 'off', attempts: 1 }]);
    expect(smtp.to(addressOf('managerApprover')).filter((mail) => mail.text?.includes(waiting))).toEqual([]);

    const before = smtp.mails.length;
    const id = await submit();
    await smtp.waitFor(before + 2);
    await worker().kick();
    expect(smtp.to(addressOf('managerApprover')).filter((mail) => mail.text?.includes(id))).toEqual([]);
    expect(await emailOf('managerApprover', id)).toEqual([{ status: 'off', attempts: 0 }]);
  });
});
