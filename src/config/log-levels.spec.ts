import { logLevels } from './log-levels.js';

describe('LOG_LEVEL', () => {
  it('defaults to log and above, without debug or verbose', () => {
    expect(logLevels(undefined)).toEqual(['fatal', 'error', 'warn', 'log']);
    expect(logLevels('')).toEqual(['fatal', 'error', 'warn', 'log']);
  });

  it('includes every more severe level, whatever the case', () => {
    expect(logLevels('debug')).toEqual(['fatal', 'error', 'warn', 'log', 'debug']);
    expect(logLevels(' WARN ')).toEqual(['fatal', 'error', 'warn']);
    expect(logLevels('verbose')).toHaveLength(6);
  });

  it('names no level at all with silent', () => {
    expect(logLevels('silent')).toEqual([]);
  });

  it('refuses a level it does not know, naming the ones it does', () => {
    expect(() => logLevels('loud')).toThrow('LOG_LEVEL must be one of fatal, error, warn, log, debug, verbose, silent; got "loud"');
  });
});
