import { Controller, Get, Param, ParseUUIDPipe, Post, Query, Req, Res, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentActor, Roles } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { RequestId } from '../common/http/request-id.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import type { Document } from './document.entity.js';
import { DocumentsService } from './documents.service.js';
import {
  DocumentDiffResponse,
  DocumentListResponse,
  DocumentResponse,
  DocumentTextResponse,
  ListDocumentsQueryDto,
  UploadDocumentBody,
} from './dto/document.dto.js';
import { documentDownload } from './document-download.js';
import { TAKEN_MEDIA_TYPES } from './media-type.js';
import { receiveUpload } from './upload-receiver.js';

function documentView(row: Document): DocumentResponse {
  return {
    id: row.id,
    name: row.name,
    title: row.title,
    kind: row.kind,
    mediaType: row.mediaType,
    size: row.size,
    sha256: row.sha256,
    partnershipId: row.partnershipId,
    engagementId: row.engagementId,
    uploadedBy: row.uploadedBy,
    uploadedAt: row.uploadedAt,
    hasText: row.hasText,
  };
}

@ApiTags('documents')
@ApiBearerAuth()
@Controller('documents')
export class DocumentsController {
  constructor(private readonly documents: DocumentsService) {}

  @Post()
  @Roles('manager')
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: UploadDocumentBody })
  @ApiCreatedResponse({ type: DocumentResponse })
  @ApiErrors(400, 401, 403, 404, 413, 415)
  async upload(@Req() req: Request, @CurrentActor() actor: Actor, @RequestId() requestId: string): Promise<DocumentResponse> {
    const upload = await receiveUpload(req, this.documents.maxUploadBytes);
    return documentView(await this.documents.upload(upload, actor, requestId));
  }

  @Get()
  @ApiOkResponse({ type: DocumentListResponse })
  @ApiErrors(400, 401)
  async list(@Query() query: ListDocumentsQueryDto): Promise<DocumentListResponse> {
    const { items, total } = await this.documents.list(query);
    return { items: items.map(documentView), total };
  }

  @Get(':id')
  @ApiOkResponse({ type: DocumentResponse })
  @ApiErrors(400, 401, 404)
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<DocumentResponse> {
    return documentView(await this.documents.get(id));
  }

  @Get(':id/text')
  @ApiOkResponse({ type: DocumentTextResponse })
  @ApiErrors(400, 401, 404, 422)
  async text(@Param('id', ParseUUIDPipe) id: string): Promise<DocumentTextResponse> {
    return { text: await this.documents.text(id) };
  }

  @Get(':id/diff/:otherId')
  @ApiOkResponse({ type: DocumentDiffResponse, description: 'What changed from this document to the other, word by word.' })
  @ApiErrors(400, 401, 404, 422)
  diff(@Param('id', ParseUUIDPipe) id: string, @Param('otherId', ParseUUIDPipe) otherId: string): Promise<DocumentDiffResponse> {
    return this.documents.diff(id, otherId);
  }

  @Get(':id/content')
  @ApiOkResponse({
    description: 'The bytes, with the detected Content-Type, `Content-Disposition: attachment` and `ETag: "<sha256>"`.',
    content: Object.fromEntries(TAKEN_MEDIA_TYPES.map((type) => [type, { schema: { type: 'string', format: 'binary' } }])),
  })
  @ApiErrors(400, 401, 404)
  async content(@Param('id', ParseUUIDPipe) id: string, @Res({ passthrough: true }) res: Response): Promise<StreamableFile> {
    return documentDownload(await this.documents.content(id), res);
  }
}
