import { Module } from '@nestjs/common';
import { WorkflowMigrations } from './workflow-migrations.service.js';
import { WorkflowsController } from './workflows.controller.js';

@Module({ controllers: [WorkflowsController], providers: [WorkflowMigrations], exports: [WorkflowMigrations] })
export class WorkflowsModule {}
