import { DocumentsModule } from '../documents/documents.module.js';
import { type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import cookieParser from 'cookie-parser';
import { ActivitiesModule } from '../activities/activities.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { PartnershipsModule } from '../partnerships/partnerships.module.js';
import { UsersModule } from '../users/users.module.js';
import { WorkflowEngineModule } from '../workflow-engine/workflow-engine.module.js';
import { ApprovalsModule } from '../approvals/approvals.module.js';
import { CalendarModule } from '../calendar/calendar.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { PartnerLinksModule } from '../documents/partner-links/partner-links.module.js';
import { ReportsModule } from '../reports/reports.module.js';
import { AccountPagesController } from './account-pages.controller.js';
import { ActivityPagesController } from './activity-pages.controller.js';
import { AuditPagesController } from './audit-pages.controller.js';
import { BoardController } from './board.controller.js';
import { Dashboard } from './dashboard.js';
import { DashboardController } from './dashboard.controller.js';
import { InboxController } from './inbox.controller.js';
import { EngagementsModule } from '../engagements/engagements.module.js';
import { ImportModule } from '../people/import/import.module.js';
import { PeopleModule } from '../people/people.module.js';
import { MyWork } from './my-work.js';
import { MyWorkController } from './my-work.controller.js';
import { NotificationPagesController } from './notification-pages.controller.js';
import { OrganizationPagesController } from './organization-pages.controller.js';
import { EngagementPagesController } from './engagement-pages.controller.js';
import { ImportPagesController } from './import-pages.controller.js';
import { UserPagesController } from './user-pages.controller.js';
import { WorkflowPagesController } from './workflow-pages.controller.js';
import { WorkflowsModule } from '../workflows/workflows.module.js';
import { PartnershipList } from './partnership-list.js';
import { PartnershipListController } from './partnership-list.controller.js';
import { PartnershipPage } from './partnership-page.js';
import { PageNotFoundController } from './page-not-found.controller.js';
import { PartnerPagesController } from './partner-pages.controller.js';
import { PartnershipPagesController } from './partnership-pages.controller.js';
import { PipelineBoard } from './pipeline-board.js';
import { SessionController } from './session.controller.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import { WebRefusals } from './web-refusals.js';
import { CsrfGuard, SignedInGuard, WebCsrf, WebSessionMiddleware } from './web-session.js';
import { WebUploads } from './web-uploads.js';
import { DocumentPagesController } from './document-pages.controller.js';
import { WebViews } from './web-views.js';
import { WEB_PATHS } from './web.setup.js';

const PAGES = [
  SessionController,
  DocumentPagesController,
  MyWorkController,
  BoardController,
  DashboardController,
  NotificationPagesController,
  // Before the partnership pages: their `partnerships/:id` would take `partnerships/export.csv`.
  PartnershipListController,
  PartnershipPagesController,
  InboxController,
  OrganizationPagesController,
  EngagementPagesController,
  ImportPagesController,
  ActivityPagesController,
  AuditPagesController,
  UserPagesController,
  WorkflowPagesController,
  AccountPagesController,
  PartnerPagesController,
  // Last: it answers every /ui address that none of the pages above matched.
  PageNotFoundController,
];

/** The web interface: server-rendered pages over the same services, rules and audit as the API. */
@Module({
  imports: [
    AuthModule,
    UsersModule,
    AuditModule,
    WorkflowEngineModule,
    WorkflowsModule,
    OrganizationsModule,
    ActivitiesModule,
    PartnershipsModule,
    ApprovalsModule,
    CalendarModule,
    NotificationsModule,
    ReportsModule,
    PartnerLinksModule,
    DocumentsModule,
    EngagementsModule,
    PeopleModule,
    ImportModule,
  ],
  controllers: PAGES,
  providers: [
    WebCsrf,
    WebUploads,
    WebViews,
    WebExceptionFilter,
    WebRefusals,
    SignedInGuard,
    CsrfGuard,
    PipelineBoard,
    PartnershipPage,
    MyWork,
    Dashboard,
    PartnershipList,
  ],
})
export class WebModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // The web interface's paths instead of the pages' 25 routes: Express matches every request,
    // API requests included, against each middleware path in turn before it reaches the routes.
    consumer
      .apply(cookieParser(), WebSessionMiddleware)
      .forRoutes({ path: '/', method: RequestMethod.GET }, ...WEB_PATHS.map((path) => ({ path, method: RequestMethod.ALL })));
  }
}
