import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/http/page-query.dto.js';
import { MAIL_STATUSES, type MailStatus } from '../mail/mail-outbox.entity.js';
import { EmailStateDto } from './notification.dto.js';

const LISTED_STATUSES = MAIL_STATUSES.filter((status) => status !== 'off');

export class OutboxQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: LISTED_STATUSES, description: 'only mail in this state; failed: what needs an admin' })
  @IsOptional()
  @IsIn(LISTED_STATUSES)
  status?: MailStatus;
}

export class OutboxRecipientDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  displayName: string;

  @ApiProperty({ type: String, format: 'email', nullable: true })
  email: string | null;
}

export class OutboxMailDto {
  @ApiProperty({ format: 'uuid' })
  notificationId: string;

  @ApiProperty()
  kind: string;

  @ApiProperty()
  subject: string;

  @ApiProperty({ type: OutboxRecipientDto })
  recipient: OutboxRecipientDto;

  @ApiProperty({ enum: ['immediate', 'daily'] })
  mode: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time', description: 'When the next try is due (pending).' })
  nextAttemptAt: string;

  @ApiProperty({ type: EmailStateDto })
  email: EmailStateDto;
}

export class OutboxListDto {
  @ApiProperty({ type: OutboxMailDto, isArray: true, description: 'Newest notice first.' })
  items: OutboxMailDto[];

  @ApiProperty()
  total: number;
}
