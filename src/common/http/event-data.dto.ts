import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { plainToInstance, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Length, Matches, Max, Min, ValidateNested, validateSync, type ValidationError } from 'class-validator';
import { DomainError } from '../domain-error.js';
import { IsIsoDate, NoBidiControls } from './validators.js';

const SHA256 = /^[0-9a-f]{64}$/;

export class DocumentDto {
  @ApiProperty({ example: 'MOU draft v2.docx' })
  @IsString()
  @Length(1, 300)
  @NoBidiControls()
  name: string;

  @ApiProperty({ description: 'SHA-256 of the document, lower-case hex', example: 'a'.repeat(64) })
  @Matches(SHA256, { message: '$property must be 64 lower-case hex characters' })
  sha256: string;

  @ApiPropertyOptional({ example: 'https://files.example.org/mou-v2.docx' })
  @IsOptional()
  @IsUrl({ require_protocol: true })
  url?: string;
}

export class ShareDraftData {
  @ApiProperty({ type: DocumentDto })
  @ValidateNested()
  @Type(() => DocumentDto)
  document: DocumentDto;
}

export class AgreeTextData {
  @ApiProperty({ example: '2026-04-01' })
  @IsIsoDate()
  effectiveFrom: string;

  @ApiProperty({ example: '2029-03-31' })
  @IsIsoDate()
  expiresOn: string;
}

export class SignatureData {
  @ApiProperty({ enum: ['partner', 'own'] })
  @IsIn(['partner', 'own'])
  party: 'partner' | 'own';

  @ApiProperty({ example: 'Vice-Chancellor' })
  @IsString()
  @Length(1, 200)
  @NoBidiControls()
  signatory: string;

  @ApiProperty({ example: '2026-03-20', description: 'Not in the future.' })
  @IsIsoDate()
  signedOn: string;
}

export class RenewData {
  @ApiProperty({ example: '2031-03-31', description: 'The new term ends on this day; it must come after the current expiry.' })
  @IsIsoDate()
  expiresOn: string;
}

export class ApproveData {
  @ApiPropertyOptional({ description: 'The contentHash the approver read; the approval is refused if the content differs.' })
  @IsOptional()
  @Matches(SHA256, { message: 'contentHash must be 64 lower-case hex characters' })
  contentHash?: string;
}

export class ScheduleData {
  @ApiProperty({ example: '2026-10-15' })
  @IsIsoDate()
  date: string;

  @ApiPropertyOptional({ example: 'Beaconhouse National University, Lahore' })
  @IsOptional()
  @IsString()
  @Length(1, 300)
  @NoBidiControls()
  venue?: string;
}

export class HeldData {
  @ApiProperty({ example: 'Lecture delivered to 120 students and faculty.' })
  @IsString()
  @Length(1, 10000)
  report: string;

  @ApiPropertyOptional({ example: 120 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  attendance?: number;
}

/** The shape of `data` for each event that carries fields; every other event takes none. */
export const EVENT_DATA: Record<string, new () => object> = {
  SHARE_DRAFT: ShareDraftData,
  AGREE_TEXT: AgreeTextData,
  RECORD_SIGNATURE: SignatureData,
  RENEW: RenewData,
  APPROVE: ApproveData,
  SCHEDULE: ScheduleData,
  POSTPONE: ScheduleData,
  MARK_HELD: HeldData,
};

function messages(errors: ValidationError[], prefix = 'data'): string[] {
  return errors.flatMap((e) => [
    ...Object.values(e.constraints ?? {}).map((m) => `${prefix}.${m}`),
    ...messages(e.children ?? [], `${prefix}.${e.property}`),
  ]);
}

/** Validates `data` against its event's shape; unknown fields are refused and never stored. */
export function validateEventData(type: string, data: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const shape = EVENT_DATA[type];
  if (data === undefined) return undefined;
  if (!shape) {
    if (Object.keys(data).length === 0) return undefined;
    throw new DomainError('VALIDATION_FAILED', `${type} takes no data`, { errors: [`data must be empty for ${type}`] });
  }
  const instance = plainToInstance(shape, data);
  // A missing field is the workflow's to refuse (meta.requires, 422); a wrong or unknown one is refused here (400).
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, skipMissingProperties: true });
  if (errors.length > 0) {
    const list = messages(errors);
    throw new DomainError('VALIDATION_FAILED', list.join('; '), { errors: list });
  }
  return JSON.parse(JSON.stringify(instance)) as Record<string, unknown>;
}
