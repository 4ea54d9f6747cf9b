import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfig } from '../config/app.config.js';
import { dataSourceOptions } from './data-source-options.js';
import { WriteQueue } from './write-queue.js';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => {
        const app = config.getOrThrow<AppConfig>('app');
        return dataSourceOptions({ dataDir: app.dataDir, databaseUrl: app.databaseUrl });
      },
    }),
  ],
  providers: [WriteQueue],
  exports: [WriteQueue],
})
export class DatabaseModule {}
