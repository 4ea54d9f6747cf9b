/**
 * Verifies an exported audit chain offline, without the service or the database:
 *   npm run audit:verify -- audit-chain.jsonl
 * Exit code 0 when the chain verifies, 1 when it does not, 2 when the file cannot be read.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { ChainVerifier, type AuditRecord } from '../src/audit/audit-chain.js';
import { canonicalJson } from '../src/common/canonical-json.js';

export async function verifyExport(path: string) {
  const verifier = new ChainVerifier();
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    if (line.trim() === '') continue;
    let parsed: Omit<AuditRecord, 'payload'> & { payload: unknown };
    try {
      parsed = JSON.parse(line);
    } catch {
      return { ok: false as const, line: lineNumber, reason: 'line is not JSON' };
    }
    // The export shows the payload as JSON; the chain hashed its canonical text.
    if (!verifier.push({ ...parsed, payload: canonicalJson(parsed.payload) })) break;
  }
  return verifier.result();
}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const path = process.argv[2];
  if (!path) {
    console.error('usage: npm run audit:verify -- <export.jsonl>');
    process.exit(2);
  }
  verifyExport(path)
    .then((result) => {
      console.log(JSON.stringify(result));
      process.exit(result.ok ? 0 : 1);
    })
    .catch((error: Error) => {
      console.error(`cannot verify ${path}: ${error.message}`);
      process.exit(2);
    });
}
