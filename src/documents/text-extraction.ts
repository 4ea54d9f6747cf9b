import JSZip from 'jszip';
import mammoth from 'mammoth';
import { getDocument, VerbosityLevel } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { TextItem } from 'pdfjs-dist/types/src/display/api.js';
import { DOCX, MARKDOWN, ODT, PDF, PLAIN_TEXT } from './media-type.js';

/** The text of each page, a line per item that ends one. pdfjs' legacy build is the one that runs on Node 20. */
async function pdfText(bytes: Buffer): Promise<string> {
  // pdfjs takes ownership of the array it is given: a copy, so the caller's bytes stay whole.
  const pdf = await getDocument({
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: VerbosityLevel.ERRORS,
  }).promise;
  try {
    const pages: string[] = [];
    for (let number = 1; number <= pdf.numPages; number += 1) {
      const content = await (await pdf.getPage(number)).getTextContent();
      const items = content.items.filter((item): item is TextItem => 'str' in item);
      pages.push(items.map((item) => item.str + (item.hasEOL ? '\n' : '')).join(''));
    }
    return pages.join('\n');
  } finally {
    await pdf.destroy();
  }
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** ODF text (content.xml): paragraphs and headings a line each, its spaces, tabs and breaks kept, the rest of the markup dropped. */
async function odtText(bytes: Buffer): Promise<string> {
  const content = await (await JSZip.loadAsync(bytes)).file('content.xml')?.async('string');
  if (content === undefined) return '';
  return content
    .replace(/<text:s(?:\s+text:c="(\d+)")?\s*\/>/g, (_s, count?: string) => ' '.repeat(Number(count ?? 1)))
    .replace(/<text:tab\s*\/>/g, '\t')
    .replace(/<text:line-break\s*\/>/g, '\n')
    .replace(/<\/text:(?:p|h)>/g, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(amp|lt|gt|quot|apos);|&#(x[0-9a-f]+|\d+);/gi, (_e, name?: string, code?: string) =>
      name ? XML_ENTITIES[name] : String.fromCodePoint(code!.startsWith('x') ? parseInt(code!.slice(1), 16) : Number(code)),
    )
    .trim();
}

const EXTRACTORS: Record<string, (bytes: Buffer) => Promise<string>> = {
  [PDF]: pdfText,
  [DOCX]: async (buffer) => (await mammoth.extractRawText({ buffer })).value,
  [ODT]: odtText,
  [PLAIN_TEXT]: async (bytes) => bytes.toString('utf8'),
  [MARKDOWN]: async (bytes) => bytes.toString('utf8'),
};

/**
 * The text of a document of a type that has text, or null: images have none, and a file whose
 * signature is right but whose insides are broken keeps its bytes without text rather than being refused.
 */
export async function extractText(bytes: Buffer, mediaType: string): Promise<string | null> {
  const extract = EXTRACTORS[mediaType];
  if (!extract) return null;
  try {
    const text = (await extract(bytes)).trim();
    return text === '' ? null : text;
  } catch {
    return null;
  }
}
