import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app.config.js';
import { AuditCheckpointPoller } from './audit-checkpoint.poller.js';
import { AuditCheckpointsRepository } from './audit-checkpoints.repository.js';
import { AuditSigningKey, loadAuditSigningKey } from './audit-signing-key.js';
import { AuditController, AuditPublicKeyController } from './audit.controller.js';
import { AuditMetrics } from './audit.metrics.js';
import { AuditService } from './audit.service.js';
import { RefusalAuditor } from './refusal-auditor.js';
import { AuditVerifier } from './verify/audit-verifier.js';

@Module({
  controllers: [AuditController, AuditPublicKeyController],
  providers: [
    AuditService,
    AuditMetrics,
    AuditVerifier,
    AuditCheckpointsRepository,
    AuditCheckpointPoller,
    RefusalAuditor,
    {
      provide: AuditSigningKey,
      inject: [ConfigService],
      useFactory: (config: ConfigService) => loadAuditSigningKey(config.getOrThrow<AppConfig>('app').auditSigningKeyFile),
    },
  ],
  exports: [AuditService, RefusalAuditor],
})
export class AuditModule {}
