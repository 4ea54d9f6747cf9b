import { ApiProperty } from '@nestjs/swagger';
import { TIMELINE_KINDS } from '../timeline.service.js';

export class TimelineEntryResponse {
  @ApiProperty({ enum: TIMELINE_KINDS })
  kind: string;

  @ApiProperty({ format: 'uuid', description: 'The engagement, partnership, document or follow-up.' })
  id: string;

  @ApiProperty({ description: 'A day (an engagement, a follow-up due) or an instant (a change, an upload).', example: '2024-11-16' })
  at: string;

  @ApiProperty({ example: 'Meeting with the Centre for Human Rights' })
  title: string;

  @ApiProperty({ description: "The engagement's kind, the change's action, the document's kind, or the follow-up's state.", example: 'meeting' })
  detail: string;

  @ApiProperty({ type: String, nullable: true, description: "A partnership change's state after it." })
  state: string | null;
}

export class TimelineResponse {
  @ApiProperty({ type: TimelineEntryResponse, isArray: true, description: 'Newest first.' })
  items: TimelineEntryResponse[];

  @ApiProperty()
  total: number;
}
