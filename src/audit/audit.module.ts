import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller.js';
import { AuditService } from './audit.service.js';
import { RefusalAdmission } from './refused-requests.js';

@Module({
  controllers: [AuditController],
  providers: [AuditService, RefusalAdmission],
  exports: [AuditService, RefusalAdmission],
})
export class AuditModule {}
