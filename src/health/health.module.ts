import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TimersModule } from '../timers/timers.module.js';
import { HealthController } from './health.controller.js';
import { Readiness } from './readiness.js';

/** GET /api/health, and the probes: /api/health/live and /api/health/ready (terminus). */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json' }), TimersModule],
  controllers: [HealthController],
  providers: [Readiness],
})
export class HealthModule {}
