import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import JSZip from 'jszip';
import { DOCX, MARKDOWN, ODT, PDF } from './media-type.js';

/** Built-ins the whole service leans on, which pdfjs' polyfills (core-js) replace in the realm that loads them. */
const builtIns = (): Record<string, unknown> => ({
  push: Reflect.get(Array.prototype, 'push'),
  parse: Reflect.get(JSON, 'parse'),
  toString: Reflect.get(Function.prototype, 'toString'),
});
const before = builtIns();
const { extractText } = await import('./text-extraction.js');

const fixture = (name: string) => fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'text-extraction-'));
/** A file of these bytes, as an upload is spooled. */
const fileOf = (name: string, bytes: string | Buffer) => {
  const path = join(scratch, name);
  writeFileSync(path, bytes);
  return path;
};

describe('text extraction', () => {
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('reads the text of a PDF, a DOCX and an ODT', async () => {
    expect(await extractText(fixture('mou-signed.pdf'), PDF)).toBe(
      'Memorandum of Understanding between the parties.\nEach party shall host two lectures a year.',
    );
    expect(await extractText(fixture('mou-draft-1.docx'), DOCX)).toBe(
      'Memorandum of Understanding between the parties.\n\nEach party shall host one lecture a year.',
    );
    expect(await extractText(fixture('mou-draft-2.odt'), ODT)).toBe(
      'Memorandum of Understanding between the parties.\nEach party shall host two lectures a year.',
    );
  });

  it("reads a PDF without replacing the service's built-ins", async () => {
    expect(await extractText(fixture('mou-signed.pdf'), PDF)).toContain('Memorandum of Understanding');
    const after = builtIns();
    for (const name of Object.keys(before)) expect([name, after[name]]).toEqual([name, before[name]]);
  });

  it('keeps text and Markdown as they are, and finds none in an image or a broken file', async () => {
    expect(await extractText(fileOf('mou.md', '# MOU\n\nArticle 1\n'), MARKDOWN)).toBe('# MOU\n\nArticle 1');
    expect(await extractText(fileOf('scan.png', Buffer.from([0x89, 0x50, 0x4e, 0x47])), 'image/png')).toBeNull();
    expect(await extractText(fileOf('broken.pdf', '%PDF-1.4 broken'), PDF)).toBeNull();
  });
  describe('an ODT or DOCX file built to harm', () => {
    /** The ODT fixture, its `lecture` replaced, and its zip written again. */
    const odtWith = async (replacement: string) => {
      const zip = await JSZip.loadAsync(readFileSync(fixture('mou-draft-2.odt')));
      const content = await zip.file('content.xml')!.async('string');
      zip.file('content.xml', content.replace('lecture', replacement));
      return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } });
    };

    it('keeps text a database can store: a NUL or a lone surrogate written as an entity reads as U+FFFD', async () => {
      for (const [name, entity] of [
        ['nul.odt', '&#0;'],
        ['lone.odt', '&#xD800;'],
      ]) {
        expect(await extractText(fileOf(name, await odtWith(`lec${entity}ture`)), ODT)).toBe(
          'Memorandum of Understanding between the parties.\nEach party shall host two lec\uFFFDtures a year.',
        );
      }
    });

    it('reads no text of one that unpacks past 20 MB (a zip bomb), nor of a DOCX', async () => {
      const bomb = await odtWith('a'.repeat(21 * 1024 * 1024));
      expect(bomb.length).toBeLessThan(100 * 1024);
      expect(await extractText(fileOf('bomb.odt', bomb), ODT)).toBeNull();
      const docx = await JSZip.loadAsync(readFileSync(fixture('mou-draft-1.docx')));
      const body = await docx.file('word/document.xml')!.async('string');
      docx.file('word/document.xml', body.replace('lecture', 'a'.repeat(21 * 1024 * 1024)));
      const docxBomb = await docx.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } });
      expect(await extractText(fileOf('bomb.docx', docxBomb), DOCX)).toBeNull();
    });
  });
});
