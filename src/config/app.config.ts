import type { LogLevel } from '@nestjs/common';
import { registerAs } from '@nestjs/config';
import { plainToInstance, Transform, type TransformFnParams, Type } from 'class-transformer';
import { join } from 'node:path';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, MinLength, ValidateBy, ValidateIf, validateSync } from 'class-validator';
import { DEFAULT_PASSWORD_HASH_COST } from '../users/password-hasher.js';
import { logLevels } from './log-levels.js';
import { parseTrustProxy, type TrustProxy } from './trust-proxy.js';

export const MIN_JWT_SECRET_LENGTH = 32;
export const MIN_METRICS_TOKEN_LENGTH = 16;
const LOG_FORMATS = ['json', 'pretty'] as const;
/** `json`: one JSON object a line, for a collector; `pretty`: coloured text, for a person at a terminal. */
export type LogFormat = (typeof LOG_FORMATS)[number];
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const TRUST_PROXY_MESSAGE =
  'TRUST_PROXY must be true, false, a number of hops, or comma-separated addresses, subnets (CIDR), loopback, linklocal or uniquelocal';

/** The message `parse` throws for `value`, or undefined when it takes it. */
function parseProblem(parse: (raw: string) => unknown, value: unknown): string | undefined {
  try {
    parse(String(value));
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Valid when `parse` takes the value; the message is `message`, or else the one `parse` throws. */
function ParsedBy(parse: (raw: string) => unknown, message?: string): PropertyDecorator {
  return ValidateBy({
    name: parse.name,
    validator: {
      validate: (value: unknown) => parseProblem(parse, value) === undefined,
      defaultMessage: (args) => message ?? parseProblem(parse, args?.value) ?? '',
    },
  });
}

/** These settings have always treated an empty value as unset. */
const EmptyAsUnset = (): PropertyDecorator =>
  Transform(({ value, obj, key }: TransformFnParams): unknown => ((obj as Record<string, unknown>)[key] === '' ? undefined : value));

const OIDC_SETTINGS = ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'] as const;

/** Single sign-on takes its three settings together: with any of them set, each is checked, so one left out is named. */
const ForSingleSignOn = (): PropertyDecorator =>
  ValidateIf((env: EnvironmentVariables) => OIDC_SETTINGS.some((name) => env[name] !== undefined) || env.OIDC_NAME !== undefined);

/** The environment the service reads, validated once at boot. */
export class EnvironmentVariables {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT?: number;

  @IsOptional()
  @IsString()
  DATA_DIR?: string;

  @IsOptional()
  @IsString()
  WORKFLOWS_DIR?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  TIMER_POLL_MS?: number;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  /** Checked only with DATABASE_URL set: on SQLite the schema is not used. */
  @EmptyAsUnset()
  @ValidateIf((env: EnvironmentVariables) => Boolean(env.DATABASE_URL) && env.DATABASE_SCHEMA !== undefined)
  @Matches(SCHEMA_NAME, { message: ({ value }) => `DATABASE_SCHEMA must be a lower-case SQL name (${SCHEMA_NAME.source}), got "${String(value)}"` })
  DATABASE_SCHEMA?: string;

  @EmptyAsUnset()
  @IsOptional()
  @IsString()
  ADMIN_PASSWORD?: string;

  @EmptyAsUnset()
  @IsOptional()
  @IsString()
  @MinLength(MIN_JWT_SECRET_LENGTH, { message: `JWT_SECRET must be at least ${MIN_JWT_SECRET_LENGTH} characters` })
  JWT_SECRET?: string;

  @EmptyAsUnset()
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'JWT_EXPIRES_IN_SECONDS must be a positive whole number of seconds' })
  @Min(1, { message: 'JWT_EXPIRES_IN_SECONDS must be a positive whole number of seconds' })
  JWT_EXPIRES_IN_SECONDS?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  RATE_LIMIT_WRITES_PER_MINUTE?: number;

  @IsOptional()
  @IsString()
  @MinLength(1)
  AUDIT_SIGNING_KEY_FILE?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  AUDIT_CHECKPOINT_EVERY?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  AUDIT_CHECKPOINT_POLL_MS?: number;

  @IsOptional()
  @IsString()
  @ParsedBy(parseTrustProxy, TRUST_PROXY_MESSAGE)
  TRUST_PROXY?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'MAX_TERM_YEARS must be a whole number of years' })
  @Min(1, { message: 'MAX_TERM_YEARS must be at least 1' })
  @Max(100, { message: 'MAX_TERM_YEARS must be at most 100' })
  MAX_TERM_YEARS?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'MAX_UPLOAD_MB must be a whole number of megabytes' })
  @Min(1, { message: 'MAX_UPLOAD_MB must be at least 1' })
  @Max(1024, { message: 'MAX_UPLOAD_MB must be at most 1024' })
  MAX_UPLOAD_MB?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: "PASSWORD_HASH_COST must be a whole number (log2 of scrypt's N)" })
  @Min(10, { message: 'PASSWORD_HASH_COST must be at least 10' })
  @Max(17, { message: 'PASSWORD_HASH_COST must be at most 17' })
  PASSWORD_HASH_COST?: number;

  @EmptyAsUnset()
  @IsOptional()
  @ParsedBy(logLevels)
  LOG_LEVEL?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'SHUTDOWN_TIMEOUT_MS must be a whole number of milliseconds' })
  @Min(1, { message: 'SHUTDOWN_TIMEOUT_MS must be at least 1' })
  SHUTDOWN_TIMEOUT_MS?: number;

  @EmptyAsUnset()
  @IsOptional()
  @IsString()
  @MinLength(MIN_METRICS_TOKEN_LENGTH, { message: `METRICS_TOKEN must be at least ${MIN_METRICS_TOKEN_LENGTH} characters` })
  METRICS_TOKEN?: string;

  @EmptyAsUnset()
  @IsOptional()
  @IsIn(LOG_FORMATS, { message: `LOG_FORMAT must be ${LOG_FORMATS.join(' or ')}` })
  LOG_FORMAT?: LogFormat;

  @EmptyAsUnset()
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'PUBLIC_URL must be an http:// or https:// URL' })
  PUBLIC_URL?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'ACTIVITY_REMINDER_DAYS must be a whole number of days' })
  @Min(1, { message: 'ACTIVITY_REMINDER_DAYS must be at least 1' })
  @Max(365, { message: 'ACTIVITY_REMINDER_DAYS must be at most 365' })
  ACTIVITY_REMINDER_DAYS?: number;

  @EmptyAsUnset()
  @IsOptional()
  @Matches(/^smtps?:\/\/[^/?#\s]+/, { message: 'SMTP_URL must be an smtp:// or smtps:// URL: smtp://[user:pass@]host:port' })
  SMTP_URL?: string;

  @EmptyAsUnset()
  @IsOptional()
  @IsString()
  @MinLength(3)
  MAIL_FROM?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  MAIL_POLL_MS?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'MAIL_MAX_ATTEMPTS must be a whole number' })
  @Min(1, { message: 'MAIL_MAX_ATTEMPTS must be at least 1' })
  @Max(50, { message: 'MAIL_MAX_ATTEMPTS must be at most 50' })
  MAIL_MAX_ATTEMPTS?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'DIGEST_HOUR_UTC must be a whole hour from 0 to 23' })
  @Min(0, { message: 'DIGEST_HOUR_UTC must be a whole hour from 0 to 23' })
  @Max(23, { message: 'DIGEST_HOUR_UTC must be a whole hour from 0 to 23' })
  DIGEST_HOUR_UTC?: number;

  @EmptyAsUnset()
  @ForSingleSignOn()
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: 'OIDC_ISSUER must be the http:// or https:// URL of an OpenID Connect provider (set with OIDC_CLIENT_ID and OIDC_CLIENT_SECRET)' },
  )
  OIDC_ISSUER?: string;

  @EmptyAsUnset()
  @ForSingleSignOn()
  @IsString({ message: 'OIDC_CLIENT_ID must be set with OIDC_ISSUER and OIDC_CLIENT_SECRET' })
  OIDC_CLIENT_ID?: string;

  @EmptyAsUnset()
  @ForSingleSignOn()
  @IsString({ message: 'OIDC_CLIENT_SECRET must be set with OIDC_ISSUER and OIDC_CLIENT_ID' })
  OIDC_CLIENT_SECRET?: string;

  @EmptyAsUnset()
  @IsOptional()
  @IsString()
  @MaxLength(60, { message: 'OIDC_NAME must be at most 60 characters' })
  OIDC_NAME?: string;
}

export function validateEnvironment(raw: Record<string, unknown>): EnvironmentVariables {
  const env = plainToInstance(EnvironmentVariables, raw, { enableImplicitConversion: false });
  const errors = validateSync(env, { skipMissingProperties: false });
  if (errors.length > 0) {
    throw new Error(`invalid configuration: ${errors.map((e) => Object.values(e.constraints ?? {}).join(', ')).join('; ')}`);
  }
  return env;
}

export interface AppConfig {
  port: number;
  dataDir: string;
  workflowsDir: string;
  timerPollMs: number;
  databaseUrl?: string;
  /** An existing PostgreSQL schema to keep the tables in (default: the server's search_path, i.e. `public`). */
  databaseSchema?: string;
  /** The first admin's password, used on a first start only; generated when unset. */
  adminPassword?: string;
  /** The token-signing secret; generated into `$DATA_DIR/jwt-secret` when unset. */
  jwtSecret?: string;
  jwtExpiresInSeconds: number;
  /** Changes and refused attempts per user (per address before sign-in) and minute before 429. */
  rateLimitWritesPerMinute: number;
  /** The Ed25519 private key (PKCS#8 PEM) that signs audit checkpoints; created on first start when missing. */
  auditSigningKeyFile: string;
  /** A checkpoint is signed in the transaction of every row whose seq is a multiple of this. */
  auditCheckpointEvery: number;
  /** How often the service looks for a head left unsigned for an hour; 0: never (tests call it). */
  auditCheckpointPollMs: number;
  /** Whose X-Forwarded-For counts for a client's address (sign-in throttling, audit); none by default. */
  trustProxy: TrustProxy;
  /** The longest an MOU term (agreed or renewed) may last. */
  maxTermYears: number;
  /** The largest document an upload may carry, in bytes (MAX_UPLOAD_MB). */
  maxUploadBytes: number;
  /** log2 of scrypt's N for new password hashes. */
  passwordHashCost: number;
  /** The levels Nest's logger prints. */
  logLevels: LogLevel[];
  logFormat: LogFormat;
  /** Where people reach the service, without a trailing slash: links in notices start with it. */
  publicUrl: string;
  /** An occurrence due within this many days and not scheduled is a notice to its owner. */
  activityReminderDays: number;
  /** Where notices are mailed through; without it, none are, and notices stay in the app. */
  smtpUrl?: string;
  /** The sender of every mail. */
  mailFrom: string;
  /** How often the mail worker looks for mail still to send (it also sends right after each commit); 0: never (tests call it). */
  mailPollMs: number;
  /** Tries of one mail before it is marked failed. */
  mailMaxAttempts: number;
  /** The hour (UTC) at which daily digests go out. */
  digestHourUtc: number;
  /** The bearer token of `GET /metrics`; unset, there is no such route (404). */
  metricsToken?: string;
  /** Sign-in with an OpenID Connect provider, when it is set up. */
  singleSignOn?: SingleSignOnConfig;
  /** How long a SIGTERM may take to let requests in flight finish and stop the workers before the process exits anyway (with 1). */
  shutdownTimeoutMs: number;
}

export interface SingleSignOnConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** What the sign-in page calls the provider: "Sign in with <name>". */
  name: string;
}

/**
 * The settings, validated: what the service reads through ConfigService (`app`), and what code
 * that runs before or outside Nest (main.ts, scripts) reads directly.
 */
export function loadAppConfig(raw: NodeJS.ProcessEnv = process.env): AppConfig {
  const env = validateEnvironment(raw);
  const dataDir = env.DATA_DIR ?? './data';
  const port = env.PORT ?? 3000;
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  return {
    port,
    dataDir,
    workflowsDir: env.WORKFLOWS_DIR ?? './workflows',
    timerPollMs: env.TIMER_POLL_MS ?? 5000,
    databaseUrl: env.DATABASE_URL,
    databaseSchema: env.DATABASE_SCHEMA,
    adminPassword: env.ADMIN_PASSWORD,
    jwtSecret: env.JWT_SECRET,
    jwtExpiresInSeconds: env.JWT_EXPIRES_IN_SECONDS ?? 3600,
    rateLimitWritesPerMinute: env.RATE_LIMIT_WRITES_PER_MINUTE ?? 600,
    auditSigningKeyFile: env.AUDIT_SIGNING_KEY_FILE ?? join(dataDir, 'audit-signing-key'),
    auditCheckpointEvery: env.AUDIT_CHECKPOINT_EVERY ?? 1000,
    auditCheckpointPollMs: env.AUDIT_CHECKPOINT_POLL_MS ?? 60_000,
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    maxTermYears: env.MAX_TERM_YEARS ?? 10,
    maxUploadBytes: (env.MAX_UPLOAD_MB ?? 25) * 1024 * 1024,
    passwordHashCost: env.PASSWORD_HASH_COST ?? DEFAULT_PASSWORD_HASH_COST,
    logLevels: logLevels(env.LOG_LEVEL),
    logFormat: env.LOG_FORMAT ?? 'json',
    publicUrl,
    activityReminderDays: env.ACTIVITY_REMINDER_DAYS ?? 30,
    smtpUrl: env.SMTP_URL,
    mailFrom: env.MAIL_FROM ?? `Partnership Engine <notifications@${new URL(publicUrl).hostname}>`,
    mailPollMs: env.MAIL_POLL_MS ?? 5000,
    mailMaxAttempts: env.MAIL_MAX_ATTEMPTS ?? 8,
    digestHourUtc: env.DIGEST_HOUR_UTC ?? 7,
    metricsToken: env.METRICS_TOKEN,
    singleSignOn:
      env.OIDC_ISSUER && env.OIDC_CLIENT_ID && env.OIDC_CLIENT_SECRET
        ? { issuer: env.OIDC_ISSUER, clientId: env.OIDC_CLIENT_ID, clientSecret: env.OIDC_CLIENT_SECRET, name: env.OIDC_NAME ?? 'single sign-on' }
        : undefined,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS ?? 10_000,
  };
}

export const appConfig = registerAs('app', (): AppConfig => loadAppConfig());
