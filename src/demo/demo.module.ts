import { type DynamicModule, Module } from '@nestjs/common';
import { AppModule } from '../app.module.js';
import { Clock, type ManualClock } from '../common/clock.js';

/**
 * The whole AppModule on a clock the demo moves by hand, so the seed can record a year and more of
 * history in seconds. @nestjs/testing is a dev dependency, so the override is a global module at
 * the root: Nest resolves a global token from the root's module before CommonModule's SystemClock.
 * The seed checks that the clock it moves is the one the services read.
 */
@Module({})
export class DemoModule {
  static withClock(clock: ManualClock): DynamicModule {
    return { module: DemoModule, global: true, imports: [AppModule], providers: [{ provide: Clock, useValue: clock }], exports: [Clock] };
  }
}
