import type { LoggerService, LogLevel } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type DestinationStream, type Level, type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import pretty from 'pino-pretty';
import { requestIdOf } from '../common/http/request-id.js';
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
 * The process's logger: JSON lines on stdout at the least severe of the configured levels (none: silent), or,
 * with LOG_FORMAT=pretty, coloured lines for a terminal, written as they come.
 */
export function createLogger(config: Pick<AppConfig, 'logLevels' | 'logFormat'>, destination?: DestinationStream): Logger {
  const least = config.logLevels.at(-1);
  const level = least ? PINO_LEVEL[least] : 'silent';
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

/** A request's log line: these fields and nothing else, no header, cookie, token, query or body. */
function requestLine(request: LoggedRequest, response: ServerResponse, extra: { ms: number }) {
  return { userId: request.actor?.id ?? null, method: request.method, route: routeOf(request), status: response.statusCode, ms: extra.ms };
}

/**
 * The request log of main.ts (the tests' apps have none): pino-http, one line per request when its answer has gone or
 * the client went, `{reqId, userId, method, route, status, ms}`, at error for a 5xx or a client that went before its
 * answer, at info otherwise. Set up to cost little (#22): the id is the one the request id middleware gave
 * (src/common/http/request-id.ts, which runs first); `quietReqLogger` makes the request's logger a child binding that id
 * alone; the request and response serializers write nothing, so no header, cookie, token, query or body is copied or
 * can reach the log, and the line is built once by `customSuccessObject`. None when the logger prints neither level
 * (`LOG_LEVEL=fatal` or `silent`): then nothing runs per request.
 */
export function requestLogger(logger: Logger) {
  if (!logger.isLevelEnabled('error')) return undefined;
  return pinoHttp<LoggedRequest>({
    logger,
    genReqId: requestIdOf,
    quietReqLogger: true,
    quietResLogger: true,
    wrapSerializers: false,
    serializers: { req: () => undefined, res: () => undefined },
    customAttributeKeys: { reqId: 'reqId', responseTime: 'ms' },
    customLogLevel: (_request, response, error) => (error || response.statusCode >= 500 || !response.writableFinished ? 'error' : 'info'),
    customSuccessObject: requestLine,
    customErrorObject: (request, response, _error, extra: { ms: number }) => requestLine(request, response, extra),
    customSuccessMessage: () => 'request',
    customErrorMessage: () => 'request',
  });
}
