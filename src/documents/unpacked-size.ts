import JSZip from 'jszip';

/**
 * Whether a zip (a workbook, a DOCX or ODT file) unpacks to at most `maxBytes`, all its parts
 * together. Each part is inflated as a stream and counted, stopping past the bound: the sizes a zip
 * declares may lie, and 100 KB of zip can hold 100 MB of one repeated letter. Throws what JSZip
 * throws for a file that is no zip.
 */
export async function unpacksWithin(bytes: Buffer, maxBytes: number): Promise<boolean> {
  let total = 0;
  for (const part of Object.values((await JSZip.loadAsync(bytes)).files)) {
    if (part.dir) continue;
    const within = await new Promise<boolean>((resolve, reject) => {
      const stream = part.nodeStream('nodebuffer');
      stream.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total <= maxBytes) return;
        stream.pause();
        stream.removeAllListeners('data');
        resolve(false);
      });
      stream.on('end', () => resolve(true));
      stream.on('error', reject);
    });
    if (!within) return false;
  }
  return true;
}
