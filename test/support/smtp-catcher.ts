import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { freePort } from './service-process.js';

/**
 * How the catcher answers a mail: takes it, refuses it for now (451), holds it without ever
 * answering (a sender stuck mid-send), or is not there at all (closed port).
 */
export type CatcherMode = 'accept' | 'refuse' | 'hold' | 'down';

/**
 * A real SMTP server on 127.0.0.1 for the tests (the `smtp-server` package, no TLS, any sender):
 * each mail it takes is parsed back with `mailparser`. `waitFor` resolves on the n-th mail, so
 * nothing sleeps: a test waits for the mail it expects, or for the service to say it tried.
 */
export class SmtpCatcher {
  readonly mails: ParsedMail[] = [];
  /** Tries refused, and tries held, for tests that wait for a try to have happened. */
  refusals = 0;
  held = 0;
  private server?: SMTPServer;
  private waiters: Array<{ count: number; resolve: () => void; counter: () => number }> = [];
  private mode: CatcherMode = 'accept';

  private constructor(readonly port: number) {}

  static async start(): Promise<SmtpCatcher> {
    const catcher = new SmtpCatcher(await freePort());
    await catcher.listen();
    return catcher;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Refuses every mail with a temporary error, or closes the port, until set back to `accept`. */
  async set(mode: CatcherMode): Promise<void> {
    if (mode === 'down' && this.server) await this.close();
    if (mode !== 'down' && !this.server) await this.listen();
    this.mode = mode;
  }

  /** Resolves once `count` mails have arrived in all. */
  waitFor(count: number): Promise<void> {
    return this.wait(count, () => this.mails.length);
  }

  /** Resolves once `count` tries have been refused in all. */
  waitForRefusals(count: number): Promise<void> {
    return this.wait(count, () => this.refusals);
  }

  /** Resolves once `count` tries are being held in all. */
  waitForHeld(count: number): Promise<void> {
    return this.wait(count, () => this.held);
  }

  to(address: string): ParsedMail[] {
    return this.mails.filter((mail) => [mail.to].flat().some((to) => to?.value.some((v) => v.address === address)));
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private wait(count: number, counter: () => number): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ count, resolve, counter });
      this.settle();
    });
  }

  private settle(): void {
    this.waiters = this.waiters.filter((w) => {
      const done = w.counter() >= w.count;
      if (done) w.resolve();
      return !done;
    });
  }

  private listen(): Promise<void> {
    const options: SMTPServerOptions = {
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, _session, callback) => {
        if (this.mode === 'hold') {
          stream.resume();
          stream.on('end', () => {
            this.held += 1;
            this.settle();
          });
          return;
        }
        if (this.mode === 'refuse') {
          stream.resume();
          stream.on('end', () => {
            this.refusals += 1;
            this.settle();
            callback(Object.assign(new Error('try again later'), { responseCode: 451 }));
          });
          return;
        }
        simpleParser(stream).then(
          (mail) => {
            this.mails.push(mail);
            this.settle();
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    };
    this.server = new SMTPServer(options);
    const server = this.server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }
}
