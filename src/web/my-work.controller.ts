import { Controller, Get, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators.js';
import { NoStore } from '../common/http/no-store.js';
import { MyWork } from './my-work.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import { SignedInGuard, type WebRequest } from './web-session.js';
import { WebViews } from './web-views.js';

/** The page the web interface opens on: what waits for the signed-in person now. Session-cookie pages, hence `@Public()`. */
@ApiExcludeController()
@Public()
@UseGuards(SignedInGuard)
@UseFilters(WebExceptionFilter)
@Controller()
export class MyWorkController {
  constructor(
    private readonly work: MyWork,
    private readonly views: WebViews,
  ) {}

  @Get()
  @NoStore()
  async show(@Req() request: WebRequest, @Res() response: Response): Promise<void> {
    const work = await this.work.of(request.actor!);
    await this.views.page(request, response, 'my-work', { title: 'My work', ...work });
  }
}
