import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { fileTypeFromFile } from 'file-type';
import { DomainError } from '../common/domain-error.js';

export const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
export const ODT = 'application/vnd.oasis.opendocument.text';
export const PDF = 'application/pdf';
export const PLAIN_TEXT = 'text/plain; charset=utf-8';
export const MARKDOWN = 'text/markdown; charset=utf-8';

/** Every media type a download answers with (text and Markdown with `; charset=utf-8`). */
export const TAKEN_MEDIA_TYPES = [PDF, DOCX, ODT, 'text/plain', 'text/markdown', 'image/png', 'image/jpeg'];

/** The media types with a signature in their bytes that an upload may have (SPEC). */
const SIGNED_TYPES = new Set([PDF, DOCX, ODT, 'image/png', 'image/jpeg']);

/** Text has no signature: a file is text or Markdown when its bytes are valid UTF-8 and its name says which. */
const TEXT_BY_EXTENSION: Record<string, string> = { '.txt': PLAIN_TEXT, '.text': PLAIN_TEXT, '.md': MARKDOWN, '.markdown': MARKDOWN };

/** Whether a file's bytes are valid UTF-8, read a piece at a time rather than held whole. */
async function isUtf8File(file: string): Promise<boolean> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of createReadStream(file)) decoder.decode(chunk as Buffer, { stream: true });
    decoder.decode();
    return true;
  } catch (error) {
    if (error instanceof TypeError) return false;
    throw error;
  }
}

/** The media type of an uploaded file, from its bytes (the name only tells text from Markdown); 415 for any other. */
export async function detectMediaType(file: string, name: string): Promise<string> {
  const signed = await fileTypeFromFile(file);
  if (signed && SIGNED_TYPES.has(signed.mime)) return signed.mime;
  const text = TEXT_BY_EXTENSION[extname(name).toLowerCase()];
  if (!signed && text && (await isUtf8File(file))) return text;
  throw new DomainError(
    'UNSUPPORTED_MEDIA_TYPE',
    `${name} is ${signed ? signed.mime : 'of no type taken'}: PDF, DOCX, ODT, UTF-8 text (.txt) or Markdown (.md), PNG and JPEG are`,
    { name, detected: signed?.mime ?? null },
  );
}
