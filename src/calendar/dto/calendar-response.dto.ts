import { ApiProperty } from '@nestjs/swagger';

export class CalendarTokenResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ nullable: true, type: String, example: 'Work calendar' })
  label: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'Set once revoked; the feed then refuses the token.' })
  revokedAt: string | null;
}

/** A new feed token: the secret is answered this once and never again (only its SHA-256 is kept). */
export class CreatedCalendarTokenResponse extends CalendarTokenResponse {
  @ApiProperty({ description: 'The secret; keep it like a password.', example: 'q1Zx0v4N3m2cK8uT6yH5rB7wE9aS0dF1gJ2kL3pO4iU' })
  token: string;

  @ApiProperty({ description: 'The feed URL path, to give to a calendar app.', example: '/api/calendar.ics?token=q1Zx0v4N3m2cK8uT6yH5rB7wE9aS0dF1gJ2kL3pO4iU' })
  path: string;
}

export class CalendarTokenListResponse {
  @ApiProperty({
    type: CalendarTokenResponse,
    isArray: true,
    description: "A page (limit, offset) of the caller's own tokens, newest first; secrets are never shown again.",
  })
  items: CalendarTokenResponse[];

  @ApiProperty({ example: 1, description: "All the caller's tokens." })
  total: number;
}
