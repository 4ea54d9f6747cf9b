import { Controller, Get, Param, ParseUUIDPipe, Res, StreamableFile, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators.js';
import { documentDownload } from '../documents/document-download.js';
import { DocumentsService } from '../documents/documents.service.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import { SignedInGuard } from './web-session.js';

/** A stored document for whoever is signed in, as GET /api/documents/{id}/content answers a bearer token. */
@ApiExcludeController()
@Public()
@UseGuards(SignedInGuard)
@UseFilters(WebExceptionFilter)
@Controller('ui/documents')
export class DocumentPagesController {
  constructor(private readonly documents: DocumentsService) {}

  @Get(':id/content')
  async content(@Param('id', ParseUUIDPipe) id: string, @Res({ passthrough: true }) response: Response): Promise<StreamableFile> {
    return documentDownload(await this.documents.content(id), response);
  }
}
