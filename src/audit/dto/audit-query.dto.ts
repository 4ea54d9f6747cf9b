import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, Length } from 'class-validator';
import { PageQueryDto } from '../../common/http/page-query.dto.js';

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Rows of one entity (partnership, occurrence, organization, user).' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  entityId?: string;

  @ApiPropertyOptional({ description: 'Actor id, or `system` for timers.' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  actor?: string;

  @ApiPropertyOptional({ example: 'APPROVE' })
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
  from?: string;

  @ApiPropertyOptional({ example: '2026-12-31T23:59:59.999Z', description: 'Up to this instant (inclusive).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

export class ExportQueryDto {
  @ApiPropertyOptional({ enum: ['jsonl', 'csv'], default: 'jsonl' })
  @IsOptional()
  @IsIn(['jsonl', 'csv'])
  format?: 'jsonl' | 'csv';
}
