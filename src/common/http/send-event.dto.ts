import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, Length, Matches } from 'class-validator';
import { IsOmittable } from './validators.js';

export class SendEventDto {
  @ApiProperty({ example: 'SUBMIT_FOR_APPROVAL', description: 'An event of the workflow; `availableEvents` lists what the caller may send now.' })
  @IsString()
  @Matches(/^[A-Z][A-Z_]{1,63}$/, { message: 'type must be an event name such as APPROVE' })
  type: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 5000, example: 'Please add the course outline.', description: 'Needed by REQUEST_CHANGES, REJECT, TERMINATE and CANCEL; leave it out for no comment (null is refused).' })
  @IsOmittable()
  @IsString()
  @Length(1, 5000)
  comment?: string;

  @ApiPropertyOptional({
    description:
      "The event's own fields: SHARE_DRAFT {document: {name, sha256, url?}}; AGREE_TEXT {effectiveFrom, expiresOn}; RECORD_SIGNATURE {party, signatory, signedOn}; RENEW {expiresOn}; APPROVE {contentHash?}; SCHEDULE/POSTPONE {date, venue?}; MARK_HELD {report, attendance?}.",
    type: 'object',
    additionalProperties: true,
  })
  @IsOmittable()
  @IsObject()
  data?: Record<string, unknown>;
}

export class DryRunQueryDto {
  @ApiPropertyOptional({ description: 'Answer what would happen without writing anything.' })
  @IsOptional()
  @Matches(/^(true|false)$/, { message: 'dryRun must be true or false' })
  dryRun?: string;
}
