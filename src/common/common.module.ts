import { Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from './clock.js';
import { WriteRateLimiter } from './http/write-rate-limit.guard.js';

@Global()
@Module({
  providers: [{ provide: Clock, useClass: SystemClock }, WriteRateLimiter],
  exports: [Clock, WriteRateLimiter],
})
export class CommonModule {}
