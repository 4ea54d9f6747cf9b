import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/http/page-query.dto.js';

export const TABLE_SORTS = ['organization', 'stage', 'owner', 'deadline', 'title'] as const;
export type TableSort = (typeof TABLE_SORTS)[number];
export const SORT_DIRECTIONS = ['asc', 'desc'] as const;
export type SortDirection = (typeof SORT_DIRECTIONS)[number];

/** A page of the partnership list view, sorted by one column. */
export class PartnershipTableQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: TABLE_SORTS, default: 'organization' })
  @IsOptional()
  @IsIn(TABLE_SORTS)
  sort?: TableSort;

  @ApiPropertyOptional({ enum: SORT_DIRECTIONS, default: 'asc', description: 'Partnerships without a deadline come last either way.' })
  @IsOptional()
  @IsIn(SORT_DIRECTIONS)
  direction?: SortDirection;
}
