import busboy from 'busboy';
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { DomainError } from '../common/domain-error.js';

/** A multipart upload as it arrived: its text fields, and its one file, hashed on the way in. */
export interface ReceivedUpload {
  fields: Record<string, string>;
  name: string;
  bytes: Buffer;
  sha256: string;
}

/**
 * The file's bytes, copied once into a buffer sized by the request's Content-Length (which bounds
 * the file's), so a large upload is held once, not as chunks and then as their concatenation.
 */
class ByteSink {
  private buffer: Buffer;
  private length = 0;

  constructor(expected: number) {
    this.buffer = Buffer.allocUnsafe(expected);
  }

  write(chunk: Buffer): void {
    if (this.length + chunk.length > this.buffer.length) {
      // Only without a Content-Length (chunked encoding): grow by doubling.
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + chunk.length));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    chunk.copy(this.buffer, this.length);
    this.length += chunk.length;
  }

  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

/** Fields a client may send beside the file, and how long each may be. */
const FIELD_LIMITS = { fields: 10, fieldSize: 1000, files: 1, parts: 12 };
const UNBOUNDED_START = 64 * 1024;

/** Reads a `multipart/form-data` request with one file in the field `file`, streamed: 413 past `maxBytes`, 415 for any other body. */
export function receiveUpload(request: IncomingMessage, maxBytes: number): Promise<ReceivedUpload> {
  let parser: busboy.Busboy;
  try {
    // busboy reports its limit on reaching it, so a file of exactly maxBytes would count as too large: one byte more.
    parser = busboy({ headers: request.headers, defParamCharset: 'utf8', limits: { ...FIELD_LIMITS, fileSize: maxBytes + 1 } });
  } catch {
    return Promise.reject(new DomainError('UNSUPPORTED_MEDIA_TYPE', 'an upload is multipart/form-data'));
  }
  const declared = Number(request.headers['content-length']);
  const expected = Number.isSafeInteger(declared) && declared > 0 ? Math.min(declared, maxBytes) : UNBOUNDED_START;
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    let file: Omit<ReceivedUpload, 'fields'> | undefined;
    let refusal: DomainError | undefined;
    const refuse = (error: DomainError) => (refusal ??= error);
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) refuse(new DomainError('VALIDATION_FAILED', `${name} is longer than ${FIELD_LIMITS.fieldSize} characters`));
      fields[name] = value;
    });
    parser.on('file', (field, stream, info) => {
      if (field !== 'file') {
        refuse(new DomainError('VALIDATION_FAILED', `the document is sent in the field "file", not "${field}"`));
        stream.resume();
        return;
      }
      const hash = createHash('sha256');
      const sink = new ByteSink(expected);
      stream.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        sink.write(chunk);
      });
      // The rest of the body is still read, so the client hears the 413 rather than a reset connection.
      stream.on('limit', () => refuse(new DomainError('PAYLOAD_TOO_LARGE', `a document is at most ${maxBytes / (1024 * 1024)} MB (MAX_UPLOAD_MB)`)));
      stream.on('end', () => (file = { name: info.filename || 'document', bytes: sink.bytes(), sha256: hash.digest('hex') }));
    });
    parser.on('filesLimit', () => refuse(new DomainError('VALIDATION_FAILED', 'an upload carries one file')));
    parser.on('fieldsLimit', () => refuse(new DomainError('VALIDATION_FAILED', 'an upload carries too many fields')));
    parser.on('error', () => reject(refusal ?? new DomainError('VALIDATION_FAILED', 'the multipart body is malformed')));
    parser.on('close', () => {
      if (refusal) reject(refusal);
      else if (!file) reject(new DomainError('VALIDATION_FAILED', 'file is required'));
      else resolve({ fields, ...file });
    });
    request.pipe(parser);
  });
}

/**
 * Reads a request's whole body as one file (a CSV sent as `text/csv`, say), streamed: 413 past `maxBytes`.
 * The rest of an oversized body is still read, so the client hears the 413 rather than a reset connection.
 */
export function receiveBody(request: IncomingMessage, maxBytes: number, name: string): Promise<Omit<ReceivedUpload, 'fields'>> {
  const declared = Number(request.headers['content-length']);
  const sink = new ByteSink(Number.isSafeInteger(declared) && declared > 0 ? Math.min(declared, maxBytes) : UNBOUNDED_START);
  const hash = createHash('sha256');
  let length = 0;
  return new Promise((resolve, reject) => {
    request.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > maxBytes) return;
      hash.update(chunk);
      sink.write(chunk);
    });
    request.on('error', () => reject(new DomainError('VALIDATION_FAILED', 'the body was cut short')));
    request.on('end', () => {
      if (length > maxBytes) reject(new DomainError('PAYLOAD_TOO_LARGE', `a file is at most ${maxBytes / (1024 * 1024)} MB (MAX_UPLOAD_MB)`));
      else resolve({ name, bytes: sink.bytes(), sha256: hash.digest('hex') });
    });
  });
}
