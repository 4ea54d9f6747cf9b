import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsEmail, IsIn, IsOptional, IsString, Length } from 'class-validator';
import { IsOmittable, NoBidiControls } from '../../common/http/validators.js';
import { ROLES, type Role } from '../roles.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, PASSWORD_RULES } from '../password-policy.js';

export class UpdateUserDto {
  @ApiPropertyOptional({ enum: ROLES, isArray: true, minItems: 1, maxItems: ROLES.length, uniqueItems: true, description: 'replaces all roles' })
  @IsOmittable()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ROLES.length)
  @ArrayUnique()
  @IsIn(ROLES, { each: true })
  roles?: Role[];

  @ApiPropertyOptional({ description: 'false disables the user: sign-in and existing tokens stop working' })
  @IsOmittable()
  @IsBoolean()
  active?: boolean;

  @ApiPropertyOptional({ minLength: 1, maxLength: 120, description: 'trimmed' })
  @IsOmittable()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @Length(1, 120)
  @NoBidiControls()
  displayName?: string;

  @ApiPropertyOptional({
    minLength: PASSWORD_MIN_LENGTH,
    maxLength: PASSWORD_MAX_LENGTH,
    format: 'password',
    description: `${PASSWORD_RULES}; a new password ends the user’s sessions and calendar feed tokens`,
  })
  @IsOmittable()
  @IsString()
  @Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH)
  password?: string;

  @ApiPropertyOptional({ type: String, format: 'email', minLength: 3, maxLength: 254, nullable: true, description: 'where notices are mailed; null: none are' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsEmail()
  @Length(3, 254)
  email?: string | null;
}
