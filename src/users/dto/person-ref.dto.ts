import { ApiProperty } from '@nestjs/swagger';

/** A person as lists name them: their user id and display name. */
export class PersonRefDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Amina Khan' })
  displayName: string;
}
