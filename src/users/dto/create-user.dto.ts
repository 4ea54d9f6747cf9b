import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsEmail, IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { IsOmittable, NoBidiControls } from '../../common/http/validators.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, PASSWORD_RULES } from '../password-policy.js';
import { ROLES, type Role } from '../roles.js';

export const USERNAME_PATTERN = /^[a-z0-9._-]{3,40}$/;

const lowerCaseTrimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);
const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateUserDto {
  @ApiProperty({ description: '3–40 characters of a–z, 0–9, ".", "_", "-"; stored lower-case', example: 'amina.khan', pattern: USERNAME_PATTERN.source })
  @Transform(lowerCaseTrimmed)
  @IsString()
  @Matches(USERNAME_PATTERN, { message: 'username must be 3–40 characters of a-z, 0-9, ".", "_" or "-"' })
  username: string;

  /** Its size is checked here too, so the document states it; the other rules are the password policy's, which UsersService applies. */
  @ApiProperty({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH, format: 'password', description: PASSWORD_RULES })
  @IsString()
  @Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH)
  password: string;

  @ApiPropertyOptional({
    description: 'defaults to the username; trimmed; leave it out for the default (null is refused)',
    example: 'Amina Khan',
    minLength: 1,
    maxLength: 120,
  })
  @IsOmittable()
  @Transform(trimmed)
  @IsString()
  @Length(1, 120)
  @NoBidiControls()
  displayName?: string;

  @ApiProperty({ enum: ROLES, isArray: true, minItems: 1, maxItems: ROLES.length, uniqueItems: true, example: ['manager'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ROLES.length)
  @ArrayUnique()
  @IsIn(ROLES, { each: true })
  roles: Role[];

  @ApiPropertyOptional({
    type: String,
    format: 'email',
    minLength: 3,
    maxLength: 254,
    nullable: true,
    description: 'where notices are mailed; null or left out: none are',
    example: 'amina.khan@example.org',
  })
  @IsOptional()
  @Transform(trimmed)
  @IsEmail()
  @Length(3, 254)
  email?: string | null;
}
