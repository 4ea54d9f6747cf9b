import { Controller, Get, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators.js';
import { ListPartnershipsQueryDto } from '../partnerships/dto/list-partnerships.query.js';
import { PipelineBoard } from './pipeline-board.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import { field, validDto, type FormBody } from './web-forms.js';
import { SignedInGuard, type WebRequest } from './web-session.js';
import { WebViews } from './web-views.js';

/** The pipeline board. Pages authenticate with the session cookie, hence `@Public()` for the bearer-token guard. */
@ApiExcludeController()
@Public()
@UseGuards(SignedInGuard)
@UseFilters(WebExceptionFilter)
@Controller('ui/pipeline')
export class BoardController {
  constructor(
    private readonly board: PipelineBoard,
    private readonly views: WebViews,
  ) {}

  @Get()
  async show(@Query() query: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    const filter = validDto(ListPartnershipsQueryDto, { organizationId: field(query, 'organizationId'), q: field(query, 'q') });
    const data = await this.board.build({ organizationId: filter.organizationId, q: filter.q });
    await this.views.page(request, response, 'board', { title: 'Pipeline', ...data });
  }
}
