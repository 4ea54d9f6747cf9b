import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, Length, Matches } from 'class-validator';
import { PageQueryDto } from '../../common/http/page-query.dto.js';

/** IsISO8601 also takes week and ordinal dates (2026-W01, 20260101) that Date cannot read; only calendar dates and instants are searched. */
const CALENDAR_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 64, description: 'Rows of one entity (partnership, occurrence, organization, user).' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  entityId?: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 64, description: 'Actor id, `system` for timers, or `anonymous` for failed sign-ins.' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  actor?: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 80, example: 'APPROVE' })
  @IsOptional()
  @IsString()
  @Length(1, 80)
  action?: string;

  @ApiPropertyOptional({ enum: ['ok', 'denied'] })
  @IsOptional()
  @IsIn(['ok', 'denied'])
  outcome?: string;

  @ApiPropertyOptional({ example: '2026-01-01T00:00:00.000Z', description: 'From this instant (inclusive).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  @Matches(CALENDAR_INSTANT, { message: 'from must be a date or an instant such as 2026-01-01T00:00:00Z' })
  from?: string;

  @ApiPropertyOptional({ example: '2026-12-31T23:59:59.999Z', description: 'Up to this instant (inclusive).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  @Matches(CALENDAR_INSTANT, { message: 'to must be a date or an instant such as 2026-12-31T23:59:59Z' })
  to?: string;

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'asc', description: '`asc`: chain order, oldest first; `desc`: newest first.' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order?: 'asc' | 'desc';
}

export class ExportQueryDto {
  @ApiPropertyOptional({ enum: ['jsonl', 'csv'], default: 'jsonl' })
  @IsOptional()
  @IsIn(['jsonl', 'csv'])
  format?: 'jsonl' | 'csv';
}
