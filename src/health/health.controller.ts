import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Public } from '../auth/auth.decorators.js';
import { ErrorResponse } from '../common/http/api-errors.js';
import { HealthResponse } from './dto/health-response.dto.js';
import { LivenessResponse, ReadinessCheck, ReadinessResponse } from './dto/readiness-response.dto.js';
import { Readiness } from './readiness.js';

@ApiTags('health')
@ApiExtraModels(ReadinessCheck)
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly readiness: Readiness,
  ) {}

  @Get()
  @ApiOkResponse({ type: HealthResponse })
  @ApiServiceUnavailableResponse({ type: ErrorResponse, description: 'DATABASE_DOWN: the database does not answer' })
  async health(): Promise<{ status: 'ok'; database: 'up' }> {
    try {
      await this.dataSource.query('SELECT 1');
    } catch {
      throw new ServiceUnavailableException({ statusCode: 503, code: 'DATABASE_DOWN', message: 'the database does not answer' });
    }
    return { status: 'ok', database: 'up' };
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process runs and answers. Restart it when this fails.' })
  @ApiOkResponse({ type: LivenessResponse })
  live(): LivenessResponse {
    return { status: 'live' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: the database answers, migrations are applied, the timer poller runs. Send no traffic while this is 503.' })
  @ApiOkResponse({ type: ReadinessResponse })
  @ApiServiceUnavailableResponse({ type: ErrorResponse, description: 'NOT_READY: details.checks says which check is down, and why' })
  async ready(): Promise<ReadinessResponse> {
    const { ready, checks } = await this.readiness.check();
    if (!ready) {
      const down = Object.entries(checks).filter(([, check]) => check.status === 'down');
      const message = `not ready: ${down.map(([name, check]) => `${name} (${check.message})`).join(', ')}`;
      throw new ServiceUnavailableException({ statusCode: 503, code: 'NOT_READY', message, details: { checks } });
    }
    return { status: 'ready', checks };
  }
}
