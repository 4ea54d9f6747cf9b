import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AuditModule } from '../audit/audit.module.js';
import type { AppConfig } from '../config/app.config.js';
import { WorkflowEngine } from './engine.js';
import { InstanceRuntime } from './instance-runtime.service.js';
import { ReplayService } from './replay.service.js';
import { WorkflowRegistry } from './workflow-registry.js';

@Global()
@Module({
  imports: [AuditModule],
  providers: [
    {
      provide: WorkflowRegistry,
      inject: [ConfigService],
      // A broken definition throws here, which stops start-up with the file and path in the message.
      useFactory: (config: ConfigService) => WorkflowRegistry.loadDirectory(config.getOrThrow<AppConfig>('app').workflowsDir),
    },
    { provide: WorkflowEngine, useValue: new WorkflowEngine() },
    InstanceRuntime,
    ReplayService,
  ],
  exports: [WorkflowRegistry, WorkflowEngine, InstanceRuntime, ReplayService],
})
export class WorkflowEngineModule {}
