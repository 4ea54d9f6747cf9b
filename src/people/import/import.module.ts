import { Module } from '@nestjs/common';
import { OrganizationsModule } from '../../organizations/organizations.module.js';
import { PartnershipsModule } from '../../partnerships/partnerships.module.js';
import { PeopleModule } from '../people.module.js';
import { ImportController } from './import.controller.js';
import { ImportService } from './import.service.js';

/** Imports of organizations and people; apart from PeopleModule because organizations' own module needs that one. */
@Module({
  imports: [OrganizationsModule, PeopleModule, PartnershipsModule],
  controllers: [ImportController],
  providers: [ImportService],
  exports: [ImportService],
})
export class ImportModule {}
