import { Controller, Get, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators.js';
import { PartnershipTableQueryDto } from '../reports/dto/partnership-table.query.js';
import { PartnershipList, type ListOrder } from './partnership-list.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import { field, integerField, validDto, type FormBody } from './web-forms.js';
import { SignedInGuard, type WebRequest } from './web-session.js';
import { WebViews } from './web-views.js';

/** The list view of partnerships and its CSV. Registered before the partnership pages, whose `partnerships/:id` would take `export.csv`. */
@ApiExcludeController()
@Public()
@UseGuards(SignedInGuard)
@UseFilters(WebExceptionFilter)
@Controller('ui/partnerships')
export class PartnershipListController {
  constructor(
    private readonly list: PartnershipList,
    private readonly views: WebViews,
  ) {}

  @Get()
  async show(@Query() query: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    const { order, offset } = orderOf(query);
    await this.views.page(request, response, 'partnership-list', { title: 'Partnerships', ...(await this.list.page(order, offset)) });
  }

  @Get('export.csv')
  async export(@Query() query: FormBody, @Res() response: Response): Promise<void> {
    const { order } = orderOf(query);
    response.status(200).set({ 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="partnerships.csv"' });
    await this.list.exportCsv(order, response);
  }
}

function orderOf(query: FormBody): { order: ListOrder; offset: number } {
  const valid = validDto(PartnershipTableQueryDto, { sort: field(query, 'sort'), direction: field(query, 'direction'), offset: integerField(query, 'offset') });
  return { order: { sort: valid.sort ?? 'organization', direction: valid.direction ?? 'asc' }, offset: valid.offset ?? 0 };
}
