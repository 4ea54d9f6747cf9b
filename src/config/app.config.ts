import { registerAs } from '@nestjs/config';
import { plainToInstance, Type } from 'class-transformer';
import { join } from 'node:path';
import {
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  Validate,
  validateSync,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { DEFAULT_PASSWORD_HASH_COST } from '../users/password-hasher.js';
import { parseTrustProxy, type TrustProxy } from './trust-proxy.js';

@ValidatorConstraint({ name: 'trustProxy' })
class TrustProxyValue implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    try {
      parseTrustProxy(String(value));
      return true;
    } catch {
      return false;
    }
  }

  defaultMessage(): string {
    return 'TRUST_PROXY must be true, false, a number of hops, or comma-separated addresses, subnets (CIDR), loopback, linklocal or uniquelocal';
  }
}

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
  @Validate(TrustProxyValue)
  TRUST_PROXY?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'MAX_TERM_YEARS must be a whole number of years' })
  @Min(1, { message: 'MAX_TERM_YEARS must be at least 1' })
  @Max(100, { message: 'MAX_TERM_YEARS must be at most 100' })
  MAX_TERM_YEARS?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'PASSWORD_HASH_COST must be a whole number (log2 of scrypt\'s N)' })
  @Min(10, { message: 'PASSWORD_HASH_COST must be at least 10' })
  @Max(17, { message: 'PASSWORD_HASH_COST must be at most 17' })
  PASSWORD_HASH_COST?: number;
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
  /** log2 of scrypt's N for new password hashes. */
  passwordHashCost: number;
}

export const appConfig = registerAs('app', (): AppConfig => {
  const env = validateEnvironment(process.env);
  const dataDir = env.DATA_DIR ?? './data';
  return {
    port: env.PORT ?? 3000,
    dataDir,
    workflowsDir: env.WORKFLOWS_DIR ?? './workflows',
    timerPollMs: env.TIMER_POLL_MS ?? 5000,
    databaseUrl: env.DATABASE_URL,
    rateLimitWritesPerMinute: env.RATE_LIMIT_WRITES_PER_MINUTE ?? 600,
    auditSigningKeyFile: env.AUDIT_SIGNING_KEY_FILE ?? join(dataDir, 'audit-signing-key'),
    auditCheckpointEvery: env.AUDIT_CHECKPOINT_EVERY ?? 1000,
    auditCheckpointPollMs: env.AUDIT_CHECKPOINT_POLL_MS ?? 60_000,
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    maxTermYears: env.MAX_TERM_YEARS ?? 10,
    passwordHashCost: env.PASSWORD_HASH_COST ?? DEFAULT_PASSWORD_HASH_COST,
  };
});
