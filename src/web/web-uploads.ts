import { Injectable, SetMetadata } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { DomainError } from '../common/domain-error.js';
import { DocumentsService } from '../documents/documents.service.js';
import { receiveForm, type ReceivedFile } from '../documents/upload-receiver.js';
import type { WebRequest } from './web-session.js';

/** Which files a page's multipart form may carry. */
export interface MultipartFormSpec {
  fileFields: readonly string[];
  maxFiles: number;
}

export const MULTIPART_FORM = 'web:multipartForm';

/**
 * A page route whose form may be `multipart/form-data` (it uploads files). CsrfGuard reads such a
 * form itself, checks its token before any file byte is kept, and leaves the fields in `request.body`
 * and the files in `request.uploads`; a form it does not mark stays urlencoded only.
 */
export const MultipartForm = (spec: MultipartFormSpec) => SetMetadata(MULTIPART_FORM, spec);

/** What a page's multipart form brought besides its fields: the files chosen, or why they were refused (too large, one too many). */
export interface PageUploads {
  files: ReceivedFile[];
  refusal?: DomainError;
}

export type UploadingRequest = WebRequest & { uploads?: PageUploads };

/** A page form's fields: enough for a proposal with every activity row, each no longer than the API's longest text in UTF-8. */
const PAGE_FIELD_LIMITS = { count: 400, bytes: 64 * 1024 };

export function isMultipart(request: IncomingMessage): boolean {
  return /^multipart\/form-data\b/i.test(request.headers['content-type'] ?? '');
}

@Injectable()
export class WebUploads {
  constructor(private readonly documents: DocumentsService) {}

  /**
   * Reads a page's multipart form, streamed as the API's uploads are (one copy of each file, the same
   * MAX_UPLOAD_MB). `checkFields` sees the fields sent before the first file: the CSRF token comes first in every form.
   */
  async read(request: UploadingRequest, spec: MultipartFormSpec, checkFields: (fields: Record<string, string>) => void): Promise<void> {
    const form = await receiveForm(request, this.documents.maxUploadBytes, { ...spec, fieldLimits: PAGE_FIELD_LIMITS, checkFields });
    request.body = form.fields;
    request.uploads = { files: form.files, ...(form.refusal ? { refusal: form.refusal } : {}) };
  }
}
