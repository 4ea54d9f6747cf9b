import { ApiExtraModels, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, Length, Matches } from 'class-validator';
import { commentWords, DATA_CLASSES, dataWords } from './event-data.dto.js';
import { IsOmittable } from './validators.js';

@ApiExtraModels(...DATA_CLASSES)
export class SendEventDto {
  @ApiProperty({ example: 'SUBMIT_FOR_APPROVAL', description: 'An event of the workflow; `availableEvents` lists what the caller may send now.' })
  @IsString()
  @Matches(/^[A-Z][A-Z_]{1,63}$/, { message: 'type must be an event name such as APPROVE' })
  type: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 5000, example: 'Please add the course outline.', description: commentWords() })
  @IsOmittable()
  @IsString()
  @Length(1, 5000)
  comment?: string;

  @ApiPropertyOptional({
    description: dataWords(),
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
