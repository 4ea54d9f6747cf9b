import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { PageQueryDto } from '../../common/http/page-query.dto.js';

/** The window the upcoming list covers unless the reader names another. */
export const UPCOMING_DAYS = 90;

/** A window of days from today, read a page at a time. */
export class UpcomingQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ type: 'integer', default: UPCOMING_DAYS, minimum: 1, maximum: 3660, description: 'The window, in days from today.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3660)
  days?: number;
}
