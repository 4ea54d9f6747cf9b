import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { IsIsoDate, IsOmittable, NoBidiControls } from '../../common/http/validators.js';

export class CreateCalendarTokenDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 100, example: 'Work calendar', description: 'Leave it out for no label (null is refused).' })
  @IsOmittable()
  @IsString()
  @Length(1, 100)
  @NoBidiControls()
  label?: string;
}

export class CalendarFeedQueryDto {
  @ApiPropertyOptional({ description: 'A personal feed token from POST /api/calendar/tokens.' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{20,100}$/, { message: 'token is not a calendar token' })
  token?: string;

  @ApiPropertyOptional({
    format: 'date',
    example: '2026-01-01',
    description: 'The first day of the window; by default a year before today (three years before `to` when only `to` is given).',
  })
  @IsOptional()
  @IsIsoDate()
  from?: string;

  @ApiPropertyOptional({
    format: 'date',
    example: '2028-12-31',
    description:
      'The last day of the window; by default two years after today (three years after `from` when only `from` is given). At most five years after `from`.',
  })
  @IsOptional()
  @IsIsoDate()
  to?: string;
}
