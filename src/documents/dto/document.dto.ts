import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { PageQueryDto } from '../../common/http/page-query.dto.js';
import { IsOmittable, NoBidiControls } from '../../common/http/validators.js';
import { DOCUMENT_KINDS, type DocumentKind } from '../document.entity.js';

/** The fields of an upload beside its file (`multipart/form-data`, where a field is text and never null). */
export class UploadDocumentDto {
  @ApiProperty({ enum: DOCUMENT_KINDS, example: 'mou_draft' })
  @IsIn(DOCUMENT_KINDS)
  kind: DocumentKind;

  @ApiPropertyOptional({ format: 'uuid', description: 'The partnership the document belongs to.' })
  @IsOmittable()
  @IsUUID()
  partnershipId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The engagement it was brought back from (the minutes of a meeting).' })
  @IsOmittable()
  @IsUUID()
  engagementId?: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 200, example: 'MOU, second draft' })
  @IsOmittable()
  @IsString()
  @Length(1, 200)
  @NoBidiControls()
  title?: string;
}

/** The whole multipart body, as the OpenAPI document describes it: the file is read as a stream, not validated as a field. */
export class UploadDocumentBody extends UploadDocumentDto {
  @ApiProperty({ type: 'string', format: 'binary', description: 'The document: PDF, DOCX, ODT, UTF-8 text (.txt), Markdown (.md), PNG or JPEG.' })
  file: Blob;
}

export class ListDocumentsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  partnershipId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  engagementId?: string;

  @ApiPropertyOptional({ enum: DOCUMENT_KINDS })
  @IsOptional()
  @IsIn(DOCUMENT_KINDS)
  kind?: DocumentKind;
}

export class DocumentResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ description: "The file's name as uploaded.", example: 'MOU v2.docx' })
  name: string;

  @ApiProperty({ type: String, nullable: true, example: 'MOU, second draft' })
  title: string | null;

  @ApiProperty({ enum: DOCUMENT_KINDS, example: 'mou_draft' })
  kind: DocumentKind;

  @ApiProperty({ description: 'Detected from the bytes.', example: 'application/pdf' })
  mediaType: string;

  @ApiProperty({ type: 'integer', description: 'Bytes.', example: 48213 })
  size: number;

  @ApiProperty({ pattern: '^[0-9a-f]{64}$', description: "SHA-256 of the bytes, in hex: the download's ETag." })
  sha256: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  partnershipId: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The engagement it was brought back from.' })
  engagementId: string | null;

  @ApiProperty({ format: 'uuid', description: 'The id of the user who uploaded it.' })
  uploadedBy: string;

  @ApiProperty({ format: 'date-time' })
  uploadedAt: string;

  @ApiProperty({ description: 'Whether text was found in it at upload (PDF, DOCX, ODT, text, Markdown): its text and comparisons are served.' })
  hasText: boolean;
}

export class DocumentTextResponse {
  @ApiProperty({ example: 'Memorandum of Understanding between the parties.' })
  text: string;
}

export class DocumentRef {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ pattern: '^[0-9a-f]{64}$' })
  sha256: string;
}

export class TextChange {
  @ApiProperty({ enum: ['equal', 'insert', 'delete'] })
  op: 'equal' | 'insert' | 'delete';

  @ApiProperty({ example: 'two lectures' })
  text: string;
}

export class DocumentDiffResponse {
  @ApiProperty({ type: DocumentRef })
  from: DocumentRef;

  @ApiProperty({ type: DocumentRef })
  to: DocumentRef;

  @ApiProperty({
    type: TextChange,
    isArray: true,
    description: 'Word by word: the text of `from` is the equal and deleted parts, that of `to` the equal and inserted ones.',
  })
  changes: TextChange[];
}

export class DocumentListResponse {
  @ApiProperty({ type: DocumentResponse, isArray: true })
  items: DocumentResponse[];

  @ApiProperty({ type: 'integer' })
  total: number;
}
