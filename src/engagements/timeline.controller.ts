import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/http/api-errors.js';
import { PageQueryDto } from '../common/http/page-query.dto.js';
import { TimelineResponse } from './dto/timeline-response.dto.js';
import { TimelineService } from './timeline.service.js';

@ApiTags('organizations')
@ApiBearerAuth()
@Controller('organizations')
export class TimelineController {
  constructor(private readonly timeline: TimelineService) {}

  @Get(':id/timeline')
  @ApiOkResponse({ type: TimelineResponse })
  @ApiErrors(400, 401, 404)
  list(@Param('id', ParseUUIDPipe) id: string, @Query() query: PageQueryDto) {
    return this.timeline.of(id, query);
  }
}
