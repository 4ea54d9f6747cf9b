import { getMetadataStorage } from 'class-validator';
import { readFileSync } from 'node:fs';
import { EnvironmentVariables, loadAppConfig } from './app.config.js';

const POSTGRES = { DATABASE_URL: 'postgres://db.example/partnerships' };

describe('loadAppConfig', () => {
  it('gives every setting its default when the environment is empty', () => {
    expect(loadAppConfig({})).toMatchObject({
      port: 3000,
      dataDir: './data',
      rateLimitWritesPerMinute: 600,
      jwtExpiresInSeconds: 3600,
      logLevels: ['fatal', 'error', 'warn', 'log'],
      logFormat: 'json',
      publicUrl: 'http://localhost:3000',
      activityReminderDays: 30,
      smtpUrl: undefined,
      mailFrom: 'Partnership Engine <notifications@localhost>',
      mailPollMs: 5000,
      mailMaxAttempts: 8,
      digestHourUtc: 7,
      shutdownTimeoutMs: 10000,
    });
    expect(loadAppConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
  });

  it('keeps PUBLIC_URL without its trailing slash, so links join it with a path', () => {
    expect(loadAppConfig({ PUBLIC_URL: 'https://partnerships.example.org/' }).publicUrl).toBe('https://partnerships.example.org');
  });

  it('takes an empty value of the settings that always allowed it as unset', () => {
    const config = loadAppConfig({ ...POSTGRES, DATABASE_SCHEMA: '', ADMIN_PASSWORD: '', JWT_SECRET: '', JWT_EXPIRES_IN_SECONDS: '', LOG_LEVEL: '' });
    expect(config).toMatchObject({ databaseSchema: undefined, adminPassword: undefined, jwtSecret: undefined, jwtExpiresInSeconds: 3600 });
    expect(config.logLevels).toEqual(['fatal', 'error', 'warn', 'log']);
  });

  it('reads the settings it validates', () => {
    const secret = 'x'.repeat(32);
    const config = loadAppConfig({
      ...POSTGRES,
      DATABASE_SCHEMA: 'partnerships',
      JWT_SECRET: secret,
      JWT_EXPIRES_IN_SECONDS: '60',
      LOG_LEVEL: ' DEBUG ',
      LOG_FORMAT: 'pretty',
    });
    expect(config).toMatchObject({ databaseSchema: 'partnerships', jwtSecret: secret, jwtExpiresInSeconds: 60, logFormat: 'pretty' });
    expect(config.logLevels).toContain('debug');
  });

  it.each([
    [{ ...POSTGRES, DATABASE_SCHEMA: 'Partnerships' }, 'DATABASE_SCHEMA must be a lower-case SQL name (^[a-z_][a-z0-9_]{0,62}$), got "Partnerships"'],
    [{ JWT_SECRET: 'too short' }, 'JWT_SECRET must be at least 32 characters'],
    [{ JWT_EXPIRES_IN_SECONDS: '1.5' }, 'JWT_EXPIRES_IN_SECONDS must be a positive whole number of seconds'],
    [{ JWT_EXPIRES_IN_SECONDS: '0' }, 'JWT_EXPIRES_IN_SECONDS must be a positive whole number of seconds'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of fatal, error, warn, log, debug, verbose, silent; got "loud"'],
    [{ LOG_FORMAT: 'text' }, 'LOG_FORMAT must be json or pretty'],
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN must be at least 16 characters'],
    [{ SHUTDOWN_TIMEOUT_MS: '0' }, 'SHUTDOWN_TIMEOUT_MS must be at least 1'],
    [{ RATE_LIMIT_WRITES_PER_MINUTE: 'NaN' }, 'RATE_LIMIT_WRITES_PER_MINUTE must not be less than 1, RATE_LIMIT_WRITES_PER_MINUTE must be an integer number'],
    [{ TRUST_PROXY: 'the one in front' }, 'TRUST_PROXY must be true, false, a number of hops'],
    [{ PUBLIC_URL: 'partnerships.example.org' }, 'PUBLIC_URL must be an http:// or https:// URL'],
    [{ ACTIVITY_REMINDER_DAYS: '0' }, 'ACTIVITY_REMINDER_DAYS must be at least 1'],
    [{ SMTP_URL: 'mail.example.org:25' }, 'SMTP_URL must be an smtp:// or smtps:// URL'],
    [{ DIGEST_HOUR_UTC: '24' }, 'DIGEST_HOUR_UTC must be a whole hour from 0 to 23'],
    [{ MAIL_MAX_ATTEMPTS: '0' }, 'MAIL_MAX_ATTEMPTS must be at least 1'],
  ])('refuses %j, naming the setting', (env, message) => {
    expect(() => loadAppConfig(env)).toThrow(`invalid configuration: ${message}`);
  });

  it('sets up single sign-on from its three settings, and names the provider as told', () => {
    const oidc = { OIDC_ISSUER: 'https://login.example.org/tenant/v2.0', OIDC_CLIENT_ID: 'partnerships', OIDC_CLIENT_SECRET: 's3cret' };
    expect(loadAppConfig({}).singleSignOn).toBeUndefined();
    expect(loadAppConfig(oidc).singleSignOn).toEqual({ issuer: oidc.OIDC_ISSUER, clientId: 'partnerships', clientSecret: 's3cret', name: 'single sign-on' });
    expect(loadAppConfig({ ...oidc, OIDC_NAME: 'Example University' }).singleSignOn?.name).toBe('Example University');
  });

  it.each([
    [{ OIDC_ISSUER: 'https://login.example.org' }, 'OIDC_CLIENT_ID must be set with OIDC_ISSUER and OIDC_CLIENT_SECRET'],
    [{ OIDC_ISSUER: 'https://login.example.org', OIDC_CLIENT_ID: 'partnerships' }, 'OIDC_CLIENT_SECRET must be set with OIDC_ISSUER and OIDC_CLIENT_ID'],
    [{ OIDC_CLIENT_ID: 'partnerships', OIDC_CLIENT_SECRET: 's3cret' }, 'OIDC_ISSUER must be the http:// or https:// URL of an OpenID Connect provider'],
    [{ OIDC_ISSUER: 'login.example.org', OIDC_CLIENT_ID: 'partnerships', OIDC_CLIENT_SECRET: 's3cret' }, 'OIDC_ISSUER must be the http:// or https:// URL'],
    [{ OIDC_NAME: 'Example University' }, 'OIDC_ISSUER must be the http:// or https:// URL'],
  ])('refuses single sign-on set up in part, %j, naming what is missing', (env, message) => {
    expect(() => loadAppConfig(env)).toThrow(message);
  });

  it('leaves DATABASE_SCHEMA unchecked on SQLite, where no schema is used', () => {
    expect(() => loadAppConfig({ DATABASE_SCHEMA: 'Partnerships' })).not.toThrow();
  });
});

describe("the README's configuration table", () => {
  it('lists every setting the configuration class validates, and no other', () => {
    const validated = getMetadataStorage()
      .getTargetValidationMetadatas(EnvironmentVariables, '', true, false)
      .map((metadata) => metadata.propertyName);
    const section = /^## Configuration\n([^]*?)\n## /m.exec(readFileSync('README.md', 'utf8'))?.[1] ?? '';
    const documented = [...section.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1]);
    expect(documented.sort()).toEqual([...new Set(validated)].sort());
  });
});
