import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ReadinessCheck {
  @ApiProperty({ enum: ['up', 'down'] })
  status: 'up' | 'down';

  @ApiPropertyOptional({ description: 'Why the check is down.', example: 'migrations are pending' })
  message?: string;
}

export class ReadinessResponse {
  @ApiProperty({ enum: ['ready'] })
  status: 'ready';

  @ApiProperty({
    description: 'database, migrations, timerPoller, and on SQLite databaseFile.',
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/ReadinessCheck' },
  })
  checks: Record<string, ReadinessCheck>;
}

export class LivenessResponse {
  @ApiProperty({ enum: ['live'] })
  status: 'live';
}
