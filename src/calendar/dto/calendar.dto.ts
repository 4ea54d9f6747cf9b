import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { IsOmittable, NoBidiControls } from '../../common/http/validators.js';

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
}
