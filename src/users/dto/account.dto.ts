import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { IsIn, IsString, Length } from 'class-validator';
import { IsOmittable } from '../../common/http/validators.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, PASSWORD_RULES } from '../password-policy.js';
import { EMAIL_MODES, type EmailMode } from '../roles.js';
import { UpdateUserDto } from './update-user.dto.js';

/** What a person may change of their own account: their name, where their notices are mailed, and how. */
export class UpdateAccountDto extends PickType(UpdateUserDto, ['displayName', 'email'] as const) {
  @ApiPropertyOptional({ enum: EMAIL_MODES, description: 'immediate: each notice is mailed; daily: one digest a day; off: none' })
  @IsOmittable()
  @IsIn(EMAIL_MODES)
  emailMode?: EmailMode;
}

/** A new password, set by an admin for someone else. */
export class ResetPasswordDto {
  @ApiProperty({
    minLength: PASSWORD_MIN_LENGTH,
    maxLength: PASSWORD_MAX_LENGTH,
    format: 'password',
    description: `${PASSWORD_RULES}; the user’s sessions and calendar feed tokens end`,
  })
  @IsString()
  @Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH)
  newPassword: string;
}

/** One's own new password, with the current one as proof that it is them. */
export class ChangePasswordDto extends ResetPasswordDto {
  @ApiProperty({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH, format: 'password', description: 'the password the caller signs in with now' })
  @IsString()
  @Length(1, PASSWORD_MAX_LENGTH)
  currentPassword: string;
}
