import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsBoolean, IsInt, IsObject, IsUUID, Min } from 'class-validator';
import { IsOmittable } from '../../common/http/validators.js';

/** The most instances one migration request names; without a list, every instance of the version is taken, one transaction each. */
export const MAX_MIGRATION_IDS = 1000;

export class MigrationRequestDto {
  @ApiProperty({ type: 'integer', minimum: 1, example: 1, description: 'The version the instances run on now.' })
  @IsInt()
  @Min(1)
  fromVersion: number;

  @ApiProperty({ type: 'integer', minimum: 2, example: 2, description: 'A later version of the same workflow.' })
  @IsInt()
  @Min(2)
  toVersion: number;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { mou_negotiation: 'negotiation' },
    description: 'States renamed in the new version, `{"old": "new"}`: a dotted path or a prefix of one (a compound state renames its children). A state left out keeps its name.',
  })
  @IsOmittable()
  @IsObject()
  mapping?: Record<string, string>;

  @ApiPropertyOptional({ type: String, format: 'uuid', isArray: true, maxItems: MAX_MIGRATION_IDS, description: 'Only these partnerships; left out, every one on fromVersion.' })
  @IsOmittable()
  @ArrayMaxSize(MAX_MIGRATION_IDS)
  @IsUUID('all', { each: true })
  partnershipIds?: string[];

  @ApiProperty({ description: 'true: say what would happen to each, change nothing; false: migrate each that can move, one transaction each.' })
  @IsBoolean()
  dryRun: boolean;
}

export class MigrationItemResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'mou_negotiation' })
  fromState: string;

  @ApiProperty({ type: String, nullable: true, example: 'mou_negotiation', description: 'Where it lands (or would); null when it cannot move at all.' })
  toState: string | null;

  @ApiProperty({ description: 'Whether it moves (dry run: would move).' })
  ok: boolean;

  @ApiPropertyOptional({ description: 'Why it does not move, in words.' })
  reason?: string;
}

export class MigrationResponse {
  @ApiProperty({ type: MigrationItemResponse, isArray: true })
  items: MigrationItemResponse[];
}
