/**
 * Verifies an exported audit chain offline, without the service or the database:
 *   npm run audit:verify -- audit-chain.jsonl [--public-key audit-public-key.pem] [--expect-head <hash>]
 * Checks every row's hash and link, and every checkpoint in the export against the row before it;
 * with `--public-key`, each checkpoint's signature under that key; with `--expect-head`, that the
 * export reaches the row with that hash (a head kept from an earlier verify or export). A verified export's answer lists the documents its
 * DOCUMENT_UPLOADED rows name, with their SHA-256, so a copy of one can be checked against the chain.
 * Exit code 0 when it verifies, 1 when it does not (the first bad seq and why), 2 when it cannot
 * be checked (no such file, a key that is not an Ed25519 public key, a CSV export, bad arguments).
 */
import type { KeyObject } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { AuditRecord } from '../src/audit/audit-chain.js';
import { ChainVerifier } from '../src/audit/verify/chain-verifier.js';
import {
  cutChain,
  ed25519PublicKey,
  forgedCheckpoint,
  keyFingerprint,
  rewrittenRow,
  type Checkpoint,
  type CheckpointKey,
} from '../src/audit/audit-checkpoint.js';
import { canonicalJson } from '../src/common/canonical-json.js';

export interface ExportChecks {
  /** Checks each checkpoint's signature under this key. */
  publicKey?: KeyObject;
  /** The export must reach the row with this hash. */
  expectHead?: string;
}

export type ExportResult =
  | {
      ok: true;
      events: number;
      headHash: string;
      checkpoints: { checked: number; lastSeq: number | null; signatures: 'verified' | 'not checked'; keyFingerprint?: string };
      expectedHead?: { seq: number; hash: string };
      /** The uploads the export records (DOCUMENT_UPLOADED rows): a copy of a document can be checked against its hash here. */
      documents: NamedDocument[];
    }
  | { ok: false; firstBadSeq?: number; line?: number; reason: string; events: number };

/** A document an export names: the upload's id, file name and SHA-256, and the row that records it. */
export interface NamedDocument {
  seq: number;
  id: string;
  name: string;
  sha256: string;
}

/** The document a verified DOCUMENT_UPLOADED row records, or undefined for any other row. */
function namedDocument(row: { seq: number; action: string; entityId: string; payload: unknown }): NamedDocument | undefined {
  if (row.action !== 'DOCUMENT_UPLOADED') return undefined;
  const payload = row.payload as { name?: unknown; sha256?: unknown } | null;
  if (typeof payload?.name !== 'string' || typeof payload.sha256 !== 'string') return undefined;
  return { seq: row.seq, id: row.entityId, name: payload.name, sha256: payload.sha256 };
}

/** A file this verifier cannot check at all (exit code 2), as opposed to a chain that does not verify. */
export class UnverifiableExport extends Error {}

const CSV_EXPORT =
  'this is the CSV export, which is for reading: it does not carry what the chain hashes. Verify the JSONL export (GET /api/audit/export?format=jsonl)';
const HEX_DIGEST = /^[0-9a-f]{64}$/;

function isCheckpoint(value: unknown): value is Checkpoint {
  const c = value as Partial<Checkpoint> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    Number.isSafeInteger(c.seq) &&
    typeof c.hash === 'string' &&
    typeof c.signedAt === 'string' &&
    typeof c.keyFingerprint === 'string' &&
    typeof c.signature === 'string'
  );
}

export async function verifyExport(path: string, checks: ExportChecks = {}): Promise<ExportResult> {
  const key: CheckpointKey | undefined = checks.publicKey && {
    publicKey: checks.publicKey,
    fingerprint: keyFingerprint(checks.publicKey),
    name: 'the key given',
  };
  const verifier = new ChainVerifier();
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  /** The last row that verified, and whether a checkpoint of it was read. */
  let last: { seq: number; hash: string; checkpointed: boolean } | undefined;
  let checkpoints = 0;
  let lastMatched: number | undefined;
  let reached: { seq: number; hash: string } | undefined;
  let lineNumber = 0;
  let rowsSeen = 0;
  const documents: NamedDocument[] = [];
  for await (const line of lines) {
    lineNumber += 1;
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      if (rowsSeen === 0 && checkpoints === 0 && line.startsWith('seq,')) throw new UnverifiableExport(CSV_EXPORT);
      return { ok: false, line: lineNumber, reason: 'line is not JSON', events: verifier.result().events };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return { ok: false, line: lineNumber, reason: 'line is neither a row nor a checkpoint', events: verifier.result().events };
    }
    if ('checkpoint' in parsed) {
      const checkpoint = parsed.checkpoint;
      if (!isCheckpoint(checkpoint)) {
        return {
          ok: false,
          line: lineNumber,
          reason: 'a checkpoint line without {seq, hash, signedAt, keyFingerprint, signature}',
          events: verifier.result().events,
        };
      }
      const fail = (firstBadSeq: number, reason: string): ExportResult => ({ ok: false, firstBadSeq, line: lineNumber, reason, events: firstBadSeq - 1 });
      // Checked before the row it names: a forged checkpoint says nothing about the rows.
      const forgery = key && forgedCheckpoint(checkpoint, key);
      if (forgery) return fail(checkpoint.seq, forgery);
      if (checkpoint.seq > (last?.seq ?? 0)) return fail((last?.seq ?? 0) + 1, cutChain(checkpoint, last?.seq ?? 0));
      if (!last || checkpoint.seq !== last.seq || last.checkpointed) {
        return fail(checkpoint.seq, `checkpoint ${checkpoint.seq} is out of place: the export puts each checkpoint on the line after the row it signs`);
      }
      const rewritten = rewrittenRow(checkpoint, last.hash, lastMatched);
      if (rewritten) return fail(checkpoint.seq, rewritten);
      last.checkpointed = true;
      lastMatched = checkpoint.seq;
      checkpoints += 1;
      continue;
    }
    rowsSeen += 1;
    const row = parsed as Omit<AuditRecord, 'payload'> & { payload: unknown };
    // The export shows the payload as JSON; the chain hashed its canonical text.
    if (!verifier.push({ ...row, payload: canonicalJson(row.payload) })) break;
    last = { seq: row.seq, hash: row.hash, checkpointed: false };
    const document = namedDocument(row);
    if (document) documents.push(document);
    if (checks.expectHead !== undefined && row.hash === checks.expectHead) reached = { seq: row.seq, hash: row.hash };
  }
  const chain = verifier.result();
  if (!chain.ok) return chain;
  if (chain.events === 0) {
    return {
      ok: false,
      firstBadSeq: 1,
      reason: 'the export holds no rows: a chain has at least one, so this one was cut from its start, or the file is not an export',
      events: 0,
    };
  }
  if (checks.expectHead !== undefined && !reached) {
    return {
      ok: false,
      firstBadSeq: chain.events + 1,
      reason: `the export does not reach the head ${checks.expectHead}: it ends at row ${chain.events} (hash ${chain.headHash}), so the rows after it were cut, or that head is another chain's`,
      events: chain.events,
    };
  }
  return {
    ...chain,
    checkpoints: {
      checked: checkpoints,
      lastSeq: lastMatched ?? null,
      signatures: key ? 'verified' : 'not checked',
      ...(key ? { keyFingerprint: key.fingerprint } : {}),
    },
    ...(reached ? { expectedHead: reached } : {}),
    documents,
  };
}

/** What a person should know beside the verdict, one line each. */
export function notes(result: ExportResult, checks: ExportChecks): string[] {
  if (!result.ok) return [];
  const found: string[] = [];
  const { checked, keyFingerprint: fingerprint } = result.checkpoints;
  if (checked === 0) {
    found.push(
      'the export holds no checkpoints (exported before the service signed any): only the hash chain was checked, which whoever held the database could have rewritten whole',
    );
  } else if (fingerprint) {
    found.push(`the ${checked} checkpoints are signed by the key given, fingerprint ${fingerprint}`);
  } else {
    found.push(
      `the ${checked} checkpoints match their rows, but their signatures were NOT checked: pass --public-key <file> with the service's key (GET /api/audit/public-key), kept where whoever holds the database cannot change it`,
    );
  }
  if (result.documents.length > 0) {
    found.push(
      `the export names ${result.documents.length} uploaded documents by SHA-256 (documents above): a copy of one is that document when its sha256sum is the hash named`,
    );
  }
  if (checks.expectHead === undefined) found.push('without --expect-head <hash>, rows cut after the last checkpoint in the export go unnoticed');
  return found;
}

const USAGE = 'usage: npm run audit:verify -- <export.jsonl> [--public-key <pem file>] [--expect-head <64 hex hash>]';

/** The checks asked for on the command line, or an UnverifiableExport saying what is wrong with them. */
function checksFrom(values: { 'public-key'?: string; 'expect-head'?: string }): ExportChecks {
  const checks: ExportChecks = {};
  if (values['expect-head'] !== undefined) {
    if (!HEX_DIGEST.test(values['expect-head']))
      throw new UnverifiableExport(`--expect-head takes a row's hash, 64 lower-case hex digits; got "${values['expect-head']}"`);
    checks.expectHead = values['expect-head'];
  }
  const keyFile = values['public-key'];
  if (keyFile !== undefined) {
    try {
      checks.publicKey = ed25519PublicKey(readFileSync(keyFile));
    } catch (error) {
      throw new UnverifiableExport(`--public-key ${keyFile}: ${(error as Error).message}`);
    }
  }
  return checks;
}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  let path: string | undefined;
  let checks: ExportChecks;
  try {
    const { values, positionals } = parseArgs({ options: { 'public-key': { type: 'string' }, 'expect-head': { type: 'string' } }, allowPositionals: true });
    if (positionals.length !== 1) throw new UnverifiableExport(USAGE);
    path = positionals[0];
    checks = checksFrom(values);
  } catch (error) {
    console.error(error instanceof UnverifiableExport ? error.message : `${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  verifyExport(path, checks)
    .then((result) => {
      console.log(JSON.stringify(result));
      for (const note of notes(result, checks)) console.error(`note: ${note}`);
      process.exit(result.ok ? 0 : 1);
    })
    .catch((error: Error) => {
      console.error(`cannot verify ${path}: ${error.message}`);
      process.exit(2);
    });
}
