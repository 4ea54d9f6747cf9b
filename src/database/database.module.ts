import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfig } from '../config/app.config.js';
import { dataSourceOptions, isUnreachable, openDataSource } from './data-source-options.js';
import { WriteQueue } from './write-queue.js';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({ ...dataSourceOptions(config.getOrThrow<AppConfig>('app')), toRetry: isUnreachable }),
      dataSourceFactory: (options) => {
        if (!options) throw new Error('no data source options');
        return openDataSource(options);
      },
    }),
  ],
  providers: [WriteQueue],
  exports: [WriteQueue],
})
export class DatabaseModule {}
