import { Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { IdempotencyInterceptor } from './common/http/idempotency.interceptor.js';
import { RequestInputGuard } from './common/http/request-input.guard.js';
import { ConfigModule } from '@nestjs/config';
import { ActivitiesModule } from './activities/activities.module.js';
import { ApprovalsModule } from './approvals/approvals.module.js';
import { AuditModule } from './audit/audit.module.js';
import { CalendarModule } from './calendar/calendar.module.js';
import { ReportsModule } from './reports/reports.module.js';
import { AuthModule } from './auth/auth.module.js';
import { CommonModule } from './common/common.module.js';
import { appConfig } from './config/app.config.js';
import { DatabaseModule } from './database/database.module.js';
import { DocumentsModule } from './documents/documents.module.js';
import { PartnerLinksModule } from './documents/partner-links/partner-links.module.js';
import { HealthModule } from './health/health.module.js';
import { NotificationsModule } from './notifications/notifications.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { OrganizationsModule } from './organizations/organizations.module.js';
import { EngagementsModule } from './engagements/engagements.module.js';
import { PeopleModule } from './people/people.module.js';
import { ImportModule } from './people/import/import.module.js';
import { PartnershipsModule } from './partnerships/partnerships.module.js';
import { TimersModule } from './timers/timers.module.js';
import { UsersModule } from './users/users.module.js';
import { WebModule } from './web/web.module.js';
import { WorkflowEngineModule } from './workflow-engine/workflow-engine.module.js';
import { WorkflowsModule } from './workflows/workflows.module.js';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [appConfig] }),
    CommonModule,
    ObservabilityModule,
    DatabaseModule,
    AuditModule,
    WorkflowEngineModule,
    TimersModule,
    PeopleModule,
    OrganizationsModule,
    ImportModule,
    EngagementsModule,
    ActivitiesModule,
    PartnershipsModule,
    ApprovalsModule,
    CalendarModule,
    DocumentsModule,
    PartnerLinksModule,
    ReportsModule,
    NotificationsModule,
    WorkflowsModule,
    UsersModule,
    AuthModule,
    WebModule,
    HealthModule,
  ],
  providers: [
    // The root module's global guard runs before those of the modules it imports (AuthModule's): input is checked before anything else.
    { provide: APP_GUARD, useClass: RequestInputGuard },
    { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
  ],
})
export class AppModule {}
