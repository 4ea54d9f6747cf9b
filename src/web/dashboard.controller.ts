import { Controller, Get, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators.js';
import { Dashboard } from './dashboard.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import { SignedInGuard, type WebRequest } from './web-session.js';
import { WebViews } from './web-views.js';

/** The dashboard's charts. Pages authenticate with the session cookie, hence `@Public()` for the bearer-token guard. */
@ApiExcludeController()
@Public()
@UseGuards(SignedInGuard)
@UseFilters(WebExceptionFilter)
@Controller('ui/dashboard')
export class DashboardController {
  constructor(
    private readonly dashboard: Dashboard,
    private readonly views: WebViews,
  ) {}

  @Get()
  async show(@Req() request: WebRequest, @Res() response: Response): Promise<void> {
    await this.views.page(request, response, 'dashboard', { title: 'Dashboard', ...(await this.dashboard.build()) });
  }
}
