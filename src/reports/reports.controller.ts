import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/http/api-errors.js';
import { ReportsService } from './reports.service.js';
import { PipelineResponse } from './dto/pipeline-response.dto.js';

@ApiTags('reports')
@ApiBearerAuth()
@Controller('reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  /** Counts by state, overdue approvals, MOUs expiring within 90 days, and activity fulfilment per partnership. */
  @Get('pipeline')
  @ApiOkResponse({ type: PipelineResponse })
  @ApiErrors(401)
  pipeline() {
    return this.reports.pipeline();
  }
}
