import { ApiProperty } from '@nestjs/swagger';

export class SignedOutDto {
  @ApiProperty({ format: 'date-time', description: 'when the session ended; its token is refused from then on, on every instance' })
  endedAt: string;
}
