import type { ConfigService } from '@nestjs/config';
import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDirectory } from '../common/private-files.js';
import type { AppConfig } from '../config/app.config.js';

const MIN_SECRET_LENGTH = 32;
const DEFAULT_EXPIRES_IN_SECONDS = 3600;
export const JWT_SECRET_FILE = 'jwt-secret';
export const JWT_ALGORITHM = 'HS256';

/** How tokens are signed and how long they live, resolved once at start-up. */
export class AuthSettings {
  /**
   * The secret as a key object, made once: given the string, jsonwebtoken first tries to parse it
   * as a PEM public key on every verify (about 0.5 ms a request, against 10 µs with the key object).
   */
  readonly jwtKey: KeyObject;

  constructor(
    readonly jwtSecret: string,
    readonly expiresInSeconds: number,
  ) {
    this.jwtKey = createSecretKey(Buffer.from(jwtSecret, 'utf8'));
  }
}

/**
 * JWT_SECRET wins; without it the secret is generated on first start and kept in
 * `$DATA_DIR/jwt-secret` (mode 0600), so tokens survive a restart. Several instances serving one
 * database must share JWT_SECRET.
 */
export function loadAuthSettings(config: ConfigService): AuthSettings {
  const configured = config.get<string>('JWT_SECRET');
  const secret = configured || secretFromFile(config.getOrThrow<AppConfig>('app').dataDir);
  if (secret.length < MIN_SECRET_LENGTH) throw new Error(`JWT_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
  return new AuthSettings(secret, expiresInSeconds(config.get<string>('JWT_EXPIRES_IN_SECONDS')));
}

function expiresInSeconds(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_EXPIRES_IN_SECONDS;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 1) throw new Error('JWT_EXPIRES_IN_SECONDS must be a positive whole number of seconds');
  return seconds;
}

function secretFromFile(dataDir: string): string {
  const path = join(dataDir, JWT_SECRET_FILE);
  ensurePrivateDirectory(dataDir);
  try {
    // `wx` fails if the file exists, so a second instance starting at the same moment keeps the first one's secret.
    writeFileSync(path, randomBytes(48).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(path, 'utf8').trim();
}
