import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app.config.js';
import { TIMER_POLL_MS, TimersService } from './timers.service.js';

@Module({
  providers: [
    TimersService,
    { provide: TIMER_POLL_MS, inject: [ConfigService], useFactory: (config: ConfigService) => config.getOrThrow<AppConfig>('app').timerPollMs },
  ],
  exports: [TimersService],
})
export class TimersModule {}
