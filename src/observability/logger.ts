import type { LoggerService, LogLevel } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type DestinationStream, type Level, type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
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

/**
 * One line per request when its answer is sent (or the client goes): request id, user, method,
 * route template, status and milliseconds, and nothing else. pino-http's request and response
 * serializers are replaced by ones that write nothing, so no header, cookie, token, query or body
 * can reach the log, and none is copied on the way (that copy was most of pino-http's cost).
 * Runs after the request id middleware (src/common/http/request-id.ts), whose id it logs.
 */
export function requestLogger(logger: Logger) {
  const line = (request: LoggedRequest, response: ServerResponse, extra: unknown) => ({
    reqId: request.requestId,
    userId: request.actor?.id ?? null,
    method: request.method,
    route: routeOf(request),
    status: response.statusCode,
    ms: (extra as { ms: number }).ms,
  });
  return pinoHttp<LoggedRequest>({
    logger,
    wrapSerializers: false,
    serializers: { req: () => undefined, res: () => undefined },
    quietResLogger: true,
    customAttributeKeys: { responseTime: 'ms' },
    customLogLevel: (_request, response, error) => (error || response.statusCode >= 500 ? 'error' : 'info'),
    customSuccessObject: (request, response, extra) => line(request, response, extra),
    customErrorObject: (request, response, _error, extra) => line(request, response, extra),
    customSuccessMessage: () => 'request',
    customErrorMessage: () => 'request',
  });
}
