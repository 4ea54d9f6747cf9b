import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public, Roles } from '../auth/auth.decorators.js';
import { DomainError } from '../common/domain-error.js';
import { NoStore } from '../common/http/no-store.js';
import { requestIdOf } from '../common/http/request-id.js';
import { CreateUserDto } from '../users/dto/create-user.dto.js';
import { UpdateUserDto } from '../users/dto/update-user.dto.js';
import { ROLES } from '../users/roles.js';
import { UsersService } from '../users/users.service.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import { WebRefusals } from './web-refusals.js';
import { clearableField, field, fieldList, validDto, type FormBody, type FormOutcome } from './web-forms.js';
import { WEB_PREFIX } from './web-paths.js';
import { CsrfGuard, type WebRequest } from './web-session.js';
import { WebViews } from './web-views.js';

const USERS_LISTED = 200;

/** User administration for admins: create, change roles and mail address, disable or enable. Session-cookie pages, hence `@Public()`. */
@ApiExcludeController()
@Public()
@Roles('admin')
@UseGuards(CsrfGuard)
@UseFilters(WebExceptionFilter)
@Controller('ui/users')
export class UserPagesController {
  constructor(
    private readonly users: UsersService,
    private readonly views: WebViews,
    private readonly refusals: WebRefusals,
  ) {}

  @Get()
  @NoStore()
  async list(@Query('done') done: string | undefined, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    await this.render(request, response, { done: done === 'CREATED' || done === 'SAVED' ? done : null });
  }

  @Post()
  @NoStore()
  async create(@Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    try {
      const input = validDto(CreateUserDto, {
        username: field(body, 'username'),
        password: field(body, 'password'),
        displayName: field(body, 'displayName'),
        roles: fieldList(body, 'roles'),
        email: field(body, 'email'),
      });
      await this.users.create(input, request.actor!, requestIdOf(request));
      response.redirect(303, `${WEB_PREFIX}/users?done=CREATED`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const refusal = await this.refusals.of(error, request);
      await this.render(request, response, { failed: { form: 'create', values: body, refusal } }, refusal.status);
    }
  }

  @Post(':id')
  @NoStore()
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    try {
      const input = validDto(UpdateUserDto, {
        roles: fieldList(body, 'roles'),
        active: field(body, 'active') === 'true',
        email: clearableField(body, 'email'),
      });
      await this.users.update(id, input, request.actor!, requestIdOf(request));
      response.redirect(303, `${WEB_PREFIX}/users?done=SAVED#user-${id}`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const refusal = await this.refusals.of(error, request);
      await this.render(request, response, { failed: { form: id, values: body, refusal } }, refusal.status);
    }
  }

  private async render(request: WebRequest, response: Response, extra: FormOutcome, status = 200): Promise<void> {
    const { items, total } = await this.users.list({ limit: USERS_LISTED });
    await this.views.page(request, response, 'users', { title: 'Users', users: items, total, roles: ROLES, done: null, failed: null, ...extra }, status);
  }
}
