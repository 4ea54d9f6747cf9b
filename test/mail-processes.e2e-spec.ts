import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { buildService } from './support/service-build.js';
import { ServiceProcess } from './support/service-process.js';
import { SmtpCatcher } from './support/smtp-catcher.js';
import { createDatabase, databaseEnv, dropDatabase, testDatabaseKind } from './support/test-app.js';
import { organizationInput, partnershipInput } from './support/factories.js';

const ADMIN_PASSWORD = 'mail-processes-admin-password';
const PASSWORD = 'mail processes user password';
const JWT_SECRET = 'a-shared-jwt-secret-for-the-mail-instances-0123456789';
const APPROVERS = ['approver.one', 'approver.two', 'approver.three'];

interface Mailbox {
  admin: string;
  manager: string;
  organizationId: string;
}

/** On a fresh database: the users (approvers with addresses), an organization; the tokens. */
async function seed(url: string): Promise<Mailbox> {
  const login = async (username: string, password: string) =>
    (await request(url).post('/api/auth/login').send({ username, password }).expect(200)).body.accessToken as string;
  const admin = await login('admin', ADMIN_PASSWORD);
  const create = (username: string, roles: string[], email?: string) =>
    request(url).post('/api/users').set('Authorization', `Bearer ${admin}`).send({ username, password: PASSWORD, roles, email }).expect(201);
  await create('manager', ['manager'], 'manager@example.org');
  for (const approver of APPROVERS) await create(approver, ['approver'], `${approver}@example.org`);
  const manager = await login('manager', PASSWORD);
  const organization = await request(url).post('/api/organizations').set('Authorization', `Bearer ${manager}`).send(organizationInput()).expect(201);
  return { admin, manager, organizationId: organization.body.id as string };
}

/** A new proposal, submitted: a notice, and a mail, to each approver. */
async function submitProposal(url: string, box: Mailbox): Promise<string> {
  const created = await request(url)
    .post('/api/partnerships')
    .set('Authorization', `Bearer ${box.manager}`)
    .send(partnershipInput(box.organizationId))
    .expect(201);
  await request(url)
    .post(`/api/partnerships/${created.body.id}/events`)
    .set('Authorization', `Bearer ${box.manager}`)
    .set('If-Match', `"${created.body.version}"`)
    .send({ type: 'SUBMIT_FOR_APPROVAL' })
    .expect(200);
  return created.body.id as string;
}

/** The mail still to send, as the admin view counts it. */
async function pendingMail(url: string, box: Mailbox): Promise<number> {
  return (await request(url).get('/api/notifications/outbox?status=pending').set('Authorization', `Bearer ${box.admin}`).expect(200)).body.total as number;
}

/**
 * Mail across processes: the built service, killed with SIGKILL between a commit and the send of
 * its mail, mails it after the restart; two instances on one PostgreSQL schema mail each notice
 * once. Nothing sleeps: the tests wait for the SMTP server to receive (or hold) mail.
 */
describe(`mail across service processes on ${testDatabaseKind === 'postgres' ? 'PostgreSQL' : 'SQLite'}`, () => {
  let main: string;
  let smtp: SmtpCatcher;
  const dataDirs: string[] = [];
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    main = buildService('multi-instance-build');
    smtp = await SmtpCatcher.start();
  });

  afterAll(async () => {
    for (const service of services) await service.stop('SIGKILL');
    await smtp.close();
    for (const dataDir of dataDirs) {
      await dropDatabase(dataDir);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  async function freshDatabase(): Promise<Record<string, string>> {
    const dataDir = mkdtempSync(join(tmpdir(), 'partnership-mail-'));
    dataDirs.push(dataDir);
    await createDatabase(dataDir);
    return {
      ...databaseEnv(dataDir),
      ADMIN_PASSWORD,
      JWT_SECRET,
      SMTP_URL: smtp.url,
      PUBLIC_URL: 'https://partnerships.example.org',
      MAIL_POLL_MS: '25',
      WORKFLOWS_DIR: 'workflows',
      RATE_LIMIT_WRITES_PER_MINUTE: '100000',
    };
  }

  function service(name: string, env: Record<string, string>): ServiceProcess {
    const started = new ServiceProcess(name, main, env);
    services.push(started);
    return started;
  }

  it('mails after a restart what a service killed between the commit and the send had not sent', async () => {
    const env = await freshDatabase();
    const first = service('killed', env);
    await first.start();
    const box = await seed(first.url);
    await smtp.set('hold');
    const held = smtp.held;
    const id = await submitProposal(first.url, box);
    // The notices are committed (the answer came after COMMIT) and their mail is on the wire, unanswered.
    await smtp.waitForHeld(held + 1);
    await first.stop('SIGKILL');

    await smtp.set('accept');
    const before = smtp.mails.length;
    const second = service('restarted', env);
    await second.start();
    await smtp.waitFor(before + APPROVERS.length);
    const link = `https://partnerships.example.org/ui/partnerships/${id}`;
    const received = smtp.mails.slice(before);
    expect(received.map((mail) => mail.to && [mail.to].flat()[0].value[0].address).sort()).toEqual(APPROVERS.map((a) => `${a}@example.org`).sort());
    for (const mail of received) expect(mail.text).toContain(link);
    await second.stop();
  });

  (testDatabaseKind === 'postgres' ? it : it.skip)('mails each notice once with two instances sending (PostgreSQL: SKIP LOCKED)', async () => {
    const env = await freshDatabase();
    const a = service('instance A', env);
    await a.start();
    const b = service('instance B', env);
    await b.start();
    const box = await seed(a.url);
    const before = smtp.mails.length;
    const proposals = 10;
    await Promise.all(Array.from({ length: proposals }, (_, n) => submitProposal(n % 2 === 0 ? a.url : b.url, box)));
    const expected = proposals * APPROVERS.length;
    await smtp.waitFor(before + expected);
    // While a mail is pending it could still be sent again; once none is, none can be. Each look is a request, no sleep.
    while ((await pendingMail(a.url, box)) > 0);
    const ids = smtp.mails.slice(before).map((mail) => mail.messageId);
    expect(ids).toHaveLength(expected);
    expect(new Set(ids).size).toBe(expected);
    await Promise.all([a.stop(), b.stop()]);
  });
});
