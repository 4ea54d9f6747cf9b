import type { LoggerService, LogLevel } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type DestinationStream, type Level, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { AppConfig } from '../config/app.config.js';
import type { Actor } from '../workflow-engine/workflow.types.js';

/** Nest's level names as pino's: Nest's `log` is pino's `info`, `verbose` pino's `trace`. */
const PINO_LEVEL: Record<LogLevel, Level> = { fatal: 'fatal', error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };

/**
 * JSON lines are buffered up to this many bytes and written together: one write(2) a line cost
 * 30 to 40 µs a request here, a tenth of the cheapest request's CPU, against about 14 µs
 * buffered. The buffer is written at least every FLUSH_EVERY_MS and, by pino, when the process
 * exits (a SIGKILL or an out-of-memory kill loses what it holds).
 */
const BUFFER_BYTES = 4096;
const FLUSH_EVERY_MS = 1000;

/**
 * The process's logger: JSON lines on stdout at the least severe of the configured levels, or,
 * with LOG_FORMAT=pretty, coloured lines for a terminal, written as they come.
 */
export function createLogger(config: Pick<AppConfig, 'logLevels' | 'logFormat'>, destination?: DestinationStream): Logger {
  const level = PINO_LEVEL[config.logLevels[config.logLevels.length - 1] ?? 'log'];
  const options = { level, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label: string) => ({ level: label }) } };
  if (config.logFormat === 'pretty') {
    const terminal = { sync: true, colorize: process.stdout.isTTY, ignore: 'pid,hostname,context', messageFormat: '{if context}{context}: {end}{msg}' };
    return pino(options, pretty({ ...terminal, destination: destination ?? 1 }));
  }
  if (destination) return pino(options, destination);
  const stdout = pino.destination({ dest: 1, sync: false, minLength: BUFFER_BYTES });
  setInterval(() => stdout.flush(), FLUSH_EVERY_MS).unref();
  return pino(options, stdout);
}

/**
 * Nest's wiring, a hundred lines at every start (each module loaded, each route mapped): debug, so
 * that what a person must see at start (where the service is, a first admin password) stands out.
 */
const WIRING_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/** A string Nest passes after the message that is an error's stack rather than a context name. */
const STACK = /^.+\n\s+at .+:\d+:\d+/;

/**
 * Nest's logger, over pino: Nest's own lines and every `new Logger(context)` in the code come out
 * as the same JSON lines, with the context under `context`. Nest calls `error(message, stack?, context?)`
 * and the other levels `(message, context?)`.
 */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  private write(asked: Level, message: unknown, params: unknown[]): void {
    const strings = params.filter((param): param is string => typeof param === 'string');
    const stack = strings.find((param) => STACK.test(param));
    const context = strings.filter((param) => param !== stack).at(-1);
    const level = asked === 'info' && context && WIRING_CONTEXTS.has(context) ? 'debug' : asked;
    if (!this.logger.isLevelEnabled(level)) return;
    const fields = { ...(context ? { context } : {}), ...(stack ? { stack } : {}) };
    if (message instanceof Error) this.logger[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.logger[level]({ ...fields, ...message });
    else this.logger[level](fields, String(message));
  }
}

type LoggedRequest = IncomingMessage & { actor?: Actor; requestId?: string; route?: { path?: string } };

/** The route template of a request's handler (`/api/partnerships/:id/events`), never its URL, which may hold a token. */
export function routeOf(request: LoggedRequest): string {
  return request.route?.path ?? 'unmatched';
}

/** What a request's log line holds, and nothing else: no header, cookie, token, query or body. */
export interface RequestLine {
  reqId: string | undefined;
  userId: string | null;
  method: string | undefined;
  route: string;
  status: number;
  ms: number;
}

/** Writes one request's line: `failed` (a 5xx, or the client went before the answer) at level error, others at info. */
export type RequestLog = (line: RequestLine, failed: boolean) => void;

/** The request log of main.ts, on the process's logger; the tests' apps have none. */
export function requestLog(logger: Logger): RequestLog {
  return (line, failed) => (failed ? logger.error(line, 'request') : logger.info(line, 'request'));
}

/**
 * One hook per request, when its answer has gone or the client went: the histogram observes it (answered requests
 * only) and, with a request log, one line is written, both from one reading of the clock and of the route template.
 * One listener and one object a request: pino-http (a child logger, serializers and listeners of its own per request)
 * beside the histogram's own listener cost 6 to 20 % of a request's CPU (#22). Runs after the request id middleware
 * (src/common/http/request-id.ts), whose id it logs.
 */
export function observeRequests(observe: (method: string, route: string, status: number, seconds: number) => void, log?: RequestLog) {
  return (request: LoggedRequest, response: ServerResponse, next: () => void): void => {
    const started = process.hrtime.bigint();
    response.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(request);
      const status = response.statusCode;
      const answered = response.writableFinished;
      if (answered) observe(request.method ?? 'UNKNOWN', route, status, seconds);
      if (log) {
        const line = {
          reqId: request.requestId,
          userId: request.actor?.id ?? null,
          method: request.method,
          route,
          status,
          ms: Math.round(seconds * 1e5) / 100,
        };
        log(line, !answered || status >= 500);
      }
    });
    next();
  };
}
