import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

/** Lengths are loose on purpose: a malformed name or password is just a failed sign-in. */
export class LoginDto {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'admin' })
  @IsString()
  @Length(1, 100)
  username: string;

  @ApiProperty({ minLength: 1, maxLength: 1024, format: 'password' })
  @IsString()
  @Length(1, 1024)
  password: string;
}
