import { isUtf8 } from 'node:buffer';
import { extname } from 'node:path';
import { fileTypeFromBuffer } from 'file-type';
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

/** The media type of an upload, from its bytes (the name only tells text from Markdown); 415 for any other. */
export async function detectMediaType(bytes: Buffer, name: string): Promise<string> {
  const signed = await fileTypeFromBuffer(bytes);
  if (signed && SIGNED_TYPES.has(signed.mime)) return signed.mime;
  const text = TEXT_BY_EXTENSION[extname(name).toLowerCase()];
  if (!signed && text && isUtf8(bytes)) return text;
  throw new DomainError(
    'UNSUPPORTED_MEDIA_TYPE',
    `${name} is ${signed ? signed.mime : 'of no type taken'}: PDF, DOCX, ODT, UTF-8 text (.txt) or Markdown (.md), PNG and JPEG are`,
    { name, detected: signed?.mime ?? null },
  );
}
