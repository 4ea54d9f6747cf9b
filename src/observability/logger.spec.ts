import { Writable } from 'node:stream';
import { createLogger, NestPinoLogger } from './logger.js';

function capture(logLevels: Parameters<typeof createLogger>[0]['logLevels'], logFormat: 'json' | 'pretty' = 'json') {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: new NestPinoLogger(createLogger({ logLevels, logFormat }, sink)), lines };
}

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
