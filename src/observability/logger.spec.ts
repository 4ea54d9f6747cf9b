import express from 'express';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { requestIdMiddleware } from '../common/http/request-id.js';
import { createLogger, NestPinoLogger, requestLogger } from './logger.js';

type Levels = Parameters<typeof createLogger>[0]['logLevels'];
const DEFAULT_LEVELS: Levels = ['fatal', 'error', 'warn', 'log'];

function sinkOf(lines: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
}

function capture(logLevels: Levels, logFormat: 'json' | 'pretty' = 'json') {
  const lines: string[] = [];
  return { logger: new NestPinoLogger(createLogger({ logLevels, logFormat }, sinkOf(lines))), lines };
}

/** An Express server with the request id middleware and main.ts's request log, as configureApp orders them. */
async function loggedServer(logLevels: Levels) {
  const lines: string[] = [];
  const app = express();
  app.use(requestIdMiddleware);
  const log = requestLogger(createLogger({ logLevels, logFormat: 'json' }, sinkOf(lines)));
  if (log) app.use(log);
  app.get('/things/:id', (_request, response) => void response.json({ ok: true }));
  app.get('/broken', (_request, response) => void response.status(500).json({ code: 'INTERNAL' }));
  let reached: () => void = () => undefined;
  const slowReached = new Promise<void>((resolve) => (reached = resolve));
  // Never answers: its client goes first.
  app.get('/slow', () => reached());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const close = () => new Promise((resolve) => server.close(resolve));
  return { base, records, close, installed: log !== undefined, server, slowReached };
}

/** Resolves once `holds` is true of the records: a line is written when the answer has gone, a moment after the client has it. */
async function until<T>(read: () => T[], holds: (records: T[]) => boolean): Promise<T[]> {
  for (;;) {
    const records = read();
    if (holds(records)) return records;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('the request log (pino-http)', () => {
  it("writes one line per request: the caller's plain X-Request-Id or a new one, the route template, status and time, no header", async () => {
    const { base, records, close } = await loggedServer(DEFAULT_LEVELS);
    try {
      const kept = await fetch(`${base}/things/42?token=secret-in-query`, { headers: { 'x-request-id': 'caller-id-1', authorization: 'Bearer secret-token' } });
      expect(kept.headers.get('x-request-id')).toBe('caller-id-1');
      const replaced = await fetch(`${base}/things/43`, { headers: { 'x-request-id': '=HYPERLINK("x")', cookie: 'pe_session=secret-cookie' } });
      const newId = replaced.headers.get('x-request-id');
      expect(newId).toMatch(/^[0-9a-f-]{36}$/);
      const lines = await until(records, (all) => all.length === 2);
      expect(lines).toEqual([
        {
          level: 'info',
          time: expect.any(String),
          pid: process.pid,
          hostname: expect.any(String),
          msg: 'request',
          reqId: 'caller-id-1',
          userId: null,
          method: 'GET',
          route: '/things/:id',
          status: 200,
          ms: expect.any(Number),
        },
        expect.objectContaining({ reqId: newId, route: '/things/:id', status: 200 }),
      ]);
      expect(JSON.stringify(lines)).not.toMatch(/secret|HYPERLINK/);
    } finally {
      await close();
    }
  });

  it('writes a 5xx, and a request whose client went before its answer, at error', async () => {
    const { base, records, close, server, slowReached } = await loggedServer(DEFAULT_LEVELS);
    try {
      await fetch(`${base}/broken`, { headers: { 'x-request-id': 'broken-1' } });
      const gone = new AbortController();
      const slow = fetch(`${base}/slow`, { headers: { 'x-request-id': 'gone-1' }, signal: gone.signal }).catch(() => 'aborted');
      await slowReached;
      gone.abort();
      expect(await slow).toBe('aborted');
      const lines = await until(records, (all) => all.length === 2);
      expect(lines).toEqual([
        expect.objectContaining({ level: 'error', msg: 'request', reqId: 'broken-1', route: '/broken', status: 500 }),
        expect.objectContaining({ level: 'error', msg: 'request', reqId: 'gone-1', route: '/slow' }),
      ]);
    } finally {
      server.closeAllConnections();
      await close();
    }
  });

  it('is not installed at all when LOG_LEVEL prints neither info nor error (fatal, silent)', async () => {
    for (const levels of [['fatal'], []] as Levels[]) {
      const { base, installed, close } = await loggedServer(levels);
      try {
        expect(installed).toBe(false);
        // The request id is still given and echoed.
        expect((await fetch(`${base}/things/1`, { headers: { 'x-request-id': 'still-echoed' } })).headers.get('x-request-id')).toBe('still-echoed');
      } finally {
        await close();
      }
    }
    const errorsOnly = await loggedServer(['fatal', 'error']);
    expect(errorsOnly.installed).toBe(true);
    await errorsOnly.close();
  });
});

describe('NestPinoLogger', () => {
  it("writes Nest's calls as JSON lines, with the context and an error's stack in fields of their own", () => {
    const { logger, lines } = capture(['fatal', 'error', 'warn', 'log']);
    logger.log('listening', 'Bootstrap');
    logger.error('unexpected error', 'Error: boom\n    at run (file.js:1:2)', 'Errors');
    logger.warn({ event: 'locked' }, 'Auth');
    logger.error(new Error('lost'));
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ level: 'info', context: 'Bootstrap', msg: 'listening' }),
      expect.objectContaining({ level: 'error', context: 'Errors', stack: 'Error: boom\n    at run (file.js:1:2)', msg: 'unexpected error' }),
      expect.objectContaining({ level: 'warn', context: 'Auth', event: 'locked' }),
      expect.objectContaining({ level: 'error', err: expect.objectContaining({ message: 'lost', type: 'Error' }), msg: 'lost' }),
    ]);
  });

  it("writes Nest's wiring (modules loaded, routes mapped) at debug, so that a start's own lines stand out", () => {
    const { logger, lines } = capture(['fatal', 'error', 'warn', 'log']);
    logger.log('AppModule dependencies initialized', 'InstanceLoader');
    logger.log('PartnershipsController {/api/partnerships}:', 'RoutesResolver');
    logger.log('Mapped {/api/partnerships, GET} route', 'RouterExplorer');
    logger.log('Created the first user "admin" with the generated password x', 'UsersService');
    expect(lines.map((line) => (JSON.parse(line) as { context: string }).context)).toEqual(['UsersService']);
    const debug = capture(['fatal', 'error', 'warn', 'log', 'debug']);
    debug.logger.log('Mapped {/api/partnerships, GET} route', 'RouterExplorer');
    expect(JSON.parse(debug.lines[0])).toMatchObject({ level: 'debug', context: 'RouterExplorer' });
  });

  it('prints only the levels LOG_LEVEL names', () => {
    const { logger, lines } = capture(['fatal', 'error', 'warn']);
    logger.log('not shown');
    logger.debug('not shown');
    logger.warn('shown');
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['shown']);
    const verbose = capture(['fatal', 'error', 'warn', 'log', 'debug', 'verbose']);
    verbose.logger.verbose('traced');
    expect(JSON.parse(verbose.lines[0])).toMatchObject({ level: 'trace', msg: 'traced' });
  });

  it('writes text lines for a terminal with LOG_FORMAT=pretty', () => {
    const { logger, lines } = capture(['fatal', 'error', 'warn', 'log'], 'pretty');
    logger.log('listening', 'Bootstrap');
    expect(lines).toEqual([expect.stringMatching(/^\[[\d:.]+\] INFO: Bootstrap: listening$/)]);
  });
});
