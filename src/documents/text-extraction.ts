import JSZip from 'jszip';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DOCX, MARKDOWN, ODT, PDF, PLAIN_TEXT } from './media-type.js';
import { unpacksWithin } from './unpacked-size.js';

/**
 * pdfjs' legacy build (the one that runs on Node 20) brings core-js, which replaces built-ins of the realm that loads it: `Array.prototype.push`,
 * `JSON.parse` and `Function.prototype.toString` among them. Loaded in the service's own thread, every array push and JSON read of the service went
 * through those: 6 % more instructions a transition, besides garbage collection (bench/README). So PDFs are read in a worker thread, whose realm keeps
 * them to itself, and a large PDF no longer holds the event loop while it is read. One worker serves PDFs one after another and ends after a minute
 * with none. The script is inline so that it runs the same from `dist/` and under Jest.
 */
const PDF_TEXT_SCRIPT = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFile } = require('node:fs/promises');
const pdfjs = import(workerData.pdfjs);
pdfjs.catch(() => undefined); // a failed import is told to each PDF's reader, not thrown at start
/** The text of each page, a line per item that ends one. */
async function pdfText(data) {
  const { getDocument, VerbosityLevel } = await pdfjs;
  const pdf = await getDocument({ data, isEvalSupported: false, disableFontFace: true, useSystemFonts: false, verbosity: VerbosityLevel.ERRORS }).promise;
  try {
    const pages = [];
    for (let number = 1; number <= pdf.numPages; number += 1) {
      const content = await (await pdf.getPage(number)).getTextContent();
      pages.push(content.items.filter((item) => 'str' in item).map((item) => item.str + (item.hasEOL ? '\\n' : '')).join(''));
    }
    return pages.join('\\n');
  } finally {
    await pdf.destroy();
  }
}
/** The worker reads the file itself, so the service's thread never holds a PDF's bytes. */
const fileText = async (file) => {
  const bytes = await readFile(file);
  return pdfText(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
};
parentPort.on('message', (file) => fileText(file).then((text) => parentPort.postMessage({ text }), (error) => parentPort.postMessage({ error: String(error) })));
`;

const PDFJS = pathToFileURL(createRequire(import.meta.url).resolve('pdfjs-dist/legacy/build/pdf.mjs')).href;
const PDF_WORKER_IDLE_MS = 60_000;

let pdfWorker: Worker | undefined;
let pdfTurn: Promise<unknown> = Promise.resolve();
let idleTimer: NodeJS.Timeout | undefined;

/** Reads one PDF file in the worker (started when none runs), after any PDF before it; the worker keeps the process alive only while it reads. */
function pdfText(file: string): Promise<string> {
  const turn = pdfTurn.then(
    () =>
      new Promise<string>((resolve, reject) => {
        clearTimeout(idleTimer);
        const worker = (pdfWorker ??= new Worker(PDF_TEXT_SCRIPT, { eval: true, workerData: { pdfjs: PDFJS } }));
        const stopped = (error: unknown) => {
          if (pdfWorker === worker) pdfWorker = undefined;
          reject(error instanceof Error ? error : new Error(`the PDF worker stopped with code ${String(error)}`));
        };
        worker.once('error', stopped).once('exit', stopped);
        worker.once('message', (answer: { text?: string; error?: string }) => {
          worker.off('error', stopped).off('exit', stopped).unref();
          idleTimer = setTimeout(() => {
            pdfWorker = undefined;
            void worker.terminate();
          }, PDF_WORKER_IDLE_MS).unref();
          if (answer.text !== undefined) resolve(answer.text);
          else reject(new Error(answer.error));
        });
        worker.ref();
        worker.postMessage(file);
      }),
  );
  pdfTurn = turn.catch(() => undefined);
  return turn;
}

/**
 * The most a DOCX or ODT file may unpack to for its text to be read, and the most text kept of any
 * document. Past either, the document keeps its bytes without text, as a broken one does: 100 KB of
 * ODT held 100 MB of text, which took 2.9 s to read and was then stored, answered by
 * GET /api/documents/:id/text and compared whole.
 */
const MAX_UNPACKED_BYTES = 20 * 1024 * 1024;
const MAX_TEXT_CHARS = 10 * 1024 * 1024;

/** A NUL or a lone UTF-16 surrogate (an ODT's `&#0;` or `&#xD800;`): PostgreSQL refuses the first, UTF-8 has no bytes for the second. */
const UNSTORABLE = /[\0\p{Cs}]/gu;

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** ODF text (content.xml): paragraphs and headings a line each, its spaces, tabs and breaks kept, the rest of the markup dropped. */
async function odtText(file: string): Promise<string> {
  const bytes = await readFile(file);
  if (!(await unpacksWithin(bytes, MAX_UNPACKED_BYTES))) return '';
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

const EXTRACTORS: Record<string, (file: string) => Promise<string>> = {
  [PDF]: pdfText,
  // mammoth is imported at the first DOCX read: it holds about 3 MB of the heap, which every process would carry from its start.
  [DOCX]: async (path) => {
    const buffer = await readFile(path);
    if (!(await unpacksWithin(buffer, MAX_UNPACKED_BYTES))) return '';
    return (await (await import('mammoth')).default.extractRawText({ buffer })).value;
  },
  [ODT]: odtText,
  [PLAIN_TEXT]: (file) => readFile(file, 'utf8'),
  [MARKDOWN]: (file) => readFile(file, 'utf8'),
};

/**
 * The text of a document file of a type that has text, or null: images have none (and their bytes
 * are not read), and a file whose signature is right but whose insides are broken keeps its bytes
 * without text rather than being refused.
 */
export async function extractText(file: string, mediaType: string): Promise<string | null> {
  const extract = EXTRACTORS[mediaType];
  if (!extract) return null;
  try {
    const text = (await extract(file)).trim().replace(UNSTORABLE, '\uFFFD');
    return text === '' || text.length > MAX_TEXT_CHARS ? null : text;
  } catch {
    return null;
  }
}
