import { StreamableFile } from '@nestjs/common';
import type { Response } from 'express';
import type { DocumentContent } from './documents.service.js';

/** A document's bytes as a download, with the headers the SPEC names, for the API's route and the pages' alike. */
export function documentDownload({ document, bytes }: DocumentContent, response: Response): StreamableFile {
  response.setHeader('ETag', `"${document.sha256}"`);
  response.setHeader('X-Content-Type-Options', 'nosniff');
  return new StreamableFile(bytes, {
    type: document.mediaType,
    length: document.size,
    disposition: `attachment; filename*=UTF-8''${encodeURIComponent(document.name)}`,
  });
}
