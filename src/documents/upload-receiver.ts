import busboy from 'busboy';
import type { Request } from 'express';
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DomainError } from '../common/domain-error.js';

/** One file of a multipart request as it arrived: spooled to a file of its own, hashed on the way in. */
export interface ReceivedFile {
  /** The form field it came in. */
  field: string;
  name: string;
  /** The temporary file its bytes are in, removed once the request is answered. */
  path: string;
  size: number;
  sha256: string;
}

/** A multipart upload as the API takes it: its text fields, and its one file. */
export type ReceivedUpload = Omit<ReceivedFile, 'field'> & { fields: Record<string, string> };

/** A multipart form as a page posts it: its text fields, the files chosen, and why it was refused, if it was (the fields are kept for the form shown again). */
export interface ReceivedForm {
  fields: Record<string, string>;
  files: ReceivedFile[];
  refusal?: DomainError;
}

export interface ReceiveOptions {
  /** The fields a file may come in. */
  fileFields: readonly string[];
  /** At most this many files. */
  maxFiles: number;
  /** How many text fields, and how many bytes each, at most: a page's form has more than the API's upload. */
  fieldLimits?: { count: number; bytes: number };
  /** Called once with the text fields sent before the first file (or with all of them when no file came): a refusal it throws keeps no file byte. */
  checkFields?: (fields: Record<string, string>) => void;
}

/**
 * A body's bytes, copied once into a buffer sized by the request's Content-Length, so a large body
 * is held once, not as chunks and then as their concatenation.
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

/** Fields the API's upload takes beside its file, and how long each may be. */
const UPLOAD_FIELD_LIMITS = { count: 10, bytes: 1000 };
const UNBOUNDED_START = 64 * 1024;

/** A new temporary file's path for a file being received: in the system's temporary directory (TMPDIR), readable by this user only. */
function spoolPath(): string {
  return join(tmpdir(), `partnership-upload-${randomUUID()}`);
}

/**
 * Reads a `multipart/form-data` request, streamed: each file is hashed while it arrives and written
 * to a temporary file of its own, so no file is held in memory; past `maxBytes` a file is refused
 * with 413 and its bytes dropped. The files are removed once the request is answered (the response
 * closes). A file input left empty (no name, no bytes) is no file. Rejects only for a body that is
 * not multipart or is malformed, or a file that could not be written; every other refusal comes back
 * with the fields read.
 */
export function receiveForm(request: Request, maxBytes: number, options: ReceiveOptions): Promise<ReceivedForm> {
  let parser: busboy.Busboy;
  const fieldLimits = options.fieldLimits ?? UPLOAD_FIELD_LIMITS;
  const limits = { fields: fieldLimits.count, fieldSize: fieldLimits.bytes, files: options.maxFiles, parts: fieldLimits.count + options.maxFiles };
  try {
    // busboy reports its limit on reaching it, so a file of exactly maxBytes would count as too large: one byte more.
    parser = busboy({ headers: request.headers, defParamCharset: 'utf8', limits: { ...limits, fileSize: maxBytes + 1 } });
  } catch {
    return Promise.reject(new DomainError('UNSUPPORTED_MEDIA_TYPE', 'an upload is multipart/form-data'));
  }
  const spooled: string[] = [];
  request.res?.once('close', () => {
    for (const path of spooled) void rm(path, { force: true });
  });
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    const received: Array<Promise<ReceivedFile | undefined>> = [];
    let checked = false;
    let refusal: DomainError | undefined;
    const refuse = (error: DomainError) => (refusal ??= error);
    const check = () => {
      if (checked) return;
      checked = true;
      try {
        options.checkFields?.(fields);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        refuse(error);
      }
    };
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) refuse(new DomainError('VALIDATION_FAILED', `${name} is longer than ${fieldLimits.bytes} bytes`));
      fields[name] = value;
    });
    parser.on('file', (field, stream, info) => {
      check();
      if (refusal || !options.fileFields.includes(field)) {
        if (!refusal) refuse(new DomainError('VALIDATION_FAILED', `a document is sent in the field "${options.fileFields.join('" or "')}", not "${field}"`));
        stream.resume();
        return;
      }
      const hash = createHash('sha256');
      const path = spoolPath();
      spooled.push(path);
      let size = 0;
      let tooLarge = false;
      // The rest of the body is still read, so the client hears the 413 rather than a reset connection.
      stream.on('limit', () => {
        tooLarge = true;
        const maxMb = maxBytes / (1024 * 1024);
        const message = `a document is at most ${maxMb} MB (MAX_UPLOAD_MB)`;
        refuse(new DomainError('PAYLOAD_TOO_LARGE', message, { ...(info.filename ? { name: info.filename } : {}), maxMb }));
      });
      const hashed = async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          size += chunk.length;
          hash.update(chunk);
          yield chunk;
        }
      };
      const arrived = pipeline(stream, hashed, createWriteStream(path, { flags: 'wx', mode: 0o600 })).then(() =>
        tooLarge || (size === 0 && !info.filename) ? undefined : { field, name: info.filename || 'document', path, size, sha256: hash.digest('hex') },
      );
      // A file that could not be written is told once the whole form is read, or not at all when the body turned out malformed.
      arrived.catch(() => undefined);
      received.push(arrived);
    });
    parser.on('filesLimit', () =>
      refuse(new DomainError('VALIDATION_FAILED', `an upload carries at most ${options.maxFiles} file${options.maxFiles === 1 ? '' : 's'}`)),
    );
    parser.on('fieldsLimit', () => refuse(new DomainError('VALIDATION_FAILED', 'an upload carries too many fields')));
    parser.on('error', () => reject(refusal ?? new DomainError('VALIDATION_FAILED', 'the multipart body is malformed')));
    parser.on('close', () => {
      check();
      // busboy closes once the body is parsed, which may be before the last file is on disk; the files keep the order they came in.
      Promise.all(received).then((arrived) => {
        const files = arrived.filter((file) => file !== undefined);
        resolve({ fields, files: refusal ? [] : files, ...(refusal ? { refusal } : {}) });
      }, reject);
    });
    // A client that goes away mid-upload ends no body: busboy is destroyed, which ends its file streams and so closes their files.
    request.once('close', () => {
      if (!request.complete) parser.destroy(new Error('the request was cut short'));
    });
    request.pipe(parser);
  });
}

/** Reads a `multipart/form-data` request with one file in the field `file`, streamed: 413 past `maxBytes`, 415 for any other body. */
export async function receiveUpload(request: Request, maxBytes: number): Promise<ReceivedUpload> {
  const { fields, files, refusal } = await receiveForm(request, maxBytes, { fileFields: ['file'], maxFiles: 1 });
  if (refusal) throw refusal;
  const [file] = files;
  if (!file) throw new DomainError('VALIDATION_FAILED', 'file is required');
  return { fields, name: file.name, path: file.path, size: file.size, sha256: file.sha256 };
}

/**
 * Reads a request's whole body as one file (a CSV sent as `text/csv`, say), streamed: 413 past `maxBytes`.
 * The rest of an oversized body is still read, so the client hears the 413 rather than a reset connection.
 */
export function receiveBody(request: IncomingMessage, maxBytes: number, name: string): Promise<{ name: string; bytes: Buffer }> {
  const declared = Number(request.headers['content-length']);
  const sink = new ByteSink(Number.isSafeInteger(declared) && declared > 0 ? Math.min(declared, maxBytes) : UNBOUNDED_START);
  let length = 0;
  return new Promise((resolve, reject) => {
    request.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > maxBytes) return;
      sink.write(chunk);
    });
    request.on('error', () => reject(new DomainError('VALIDATION_FAILED', 'the body was cut short')));
    request.on('end', () => {
      if (length > maxBytes) reject(new DomainError('PAYLOAD_TOO_LARGE', `a file is at most ${maxBytes / (1024 * 1024)} MB (MAX_UPLOAD_MB)`));
      else resolve({ name, bytes: sink.bytes() });
    });
  });
}
