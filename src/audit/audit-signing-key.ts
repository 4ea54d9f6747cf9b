import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { keyFingerprint, signCheckpoint, type Checkpoint, type CheckpointKey } from './audit-checkpoint.js';

/** The service's Ed25519 key for audit checkpoints, loaded once at start-up. */
export class AuditSigningKey {
  readonly publicKey: KeyObject;
  /** SubjectPublicKeyInfo PEM, what `GET /api/audit/public-key` serves. */
  readonly publicKeyPem: string;
  readonly fingerprint: string;

  constructor(private readonly privateKey: KeyObject) {
    this.publicKey = createPublicKey(privateKey);
    this.publicKeyPem = this.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    this.fingerprint = keyFingerprint(this.publicKey);
  }

  sign(row: Pick<Checkpoint, 'seq' | 'hash' | 'signedAt'>): Checkpoint {
    return signCheckpoint(this.privateKey, this.fingerprint, row);
  }

  /** The key as checks of stored checkpoints name it. */
  get checker(): CheckpointKey {
    return { publicKey: this.publicKey, fingerprint: this.fingerprint, name: "the service's key" };
  }
}

/**
 * The key in `path` (PKCS#8 PEM); without that file, a new key is made and kept there with mode
 * 0600. Several instances may share the file and start at once: the key is written whole to a file
 * of this process's own and then hard-linked to `path`, which fails if the path exists, so every
 * instance reads the one key that got there first, never a file half written.
 */
export function loadAuditSigningKey(path: string): AuditSigningKey {
  if (!existsSync(path)) createKeyFile(path);
  return readAuditSigningKey(path);
}

/** The key in `path`, which must exist: what checks of a copy of the database (backup, restore) use, which must not make a key of their own. */
export function readAuditSigningKey(path: string): AuditSigningKey {
  if (!existsSync(path)) throw new Error(`AUDIT_SIGNING_KEY_FILE ${path} does not exist`);
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(path));
  } catch {
    throw new Error(`AUDIT_SIGNING_KEY_FILE ${path} does not hold a private key in PEM`);
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new Error(`AUDIT_SIGNING_KEY_FILE ${path} holds an ${key.asymmetricKeyType ?? 'unknown'} key, not an Ed25519 one`);
  return new AuditSigningKey(key);
}

function createKeyFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const draft = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.new`;
  writeFileSync(draft, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { flag: 'wx', mode: 0o600 });
  try {
    linkSync(draft, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(draft);
  }
}
