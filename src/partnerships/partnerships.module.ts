import { Module } from '@nestjs/common';
import { ActivitiesModule } from '../activities/activities.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { DocumentsModule } from '../documents/documents.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { UsersModule } from '../users/users.module.js';
import { AgreementsImport } from './agreements-import.service.js';
import { PartnershipListRepository } from './partnership-list.repository.js';
import { PartnershipsController } from './partnerships.controller.js';
import { PartnershipsService } from './partnerships.service.js';

@Module({
  imports: [AuditModule, OrganizationsModule, ActivitiesModule, UsersModule, DocumentsModule],
  controllers: [PartnershipsController],
  providers: [PartnershipsService, PartnershipListRepository, AgreementsImport],
  exports: [PartnershipsService, PartnershipListRepository, AgreementsImport],
})
export class PartnershipsModule {}
