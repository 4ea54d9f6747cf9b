import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public, Roles } from '../auth/auth.decorators.js';
import { DomainError } from '../common/domain-error.js';
import { eventInput } from '../common/http/event-request.js';
import { requestIdOf } from '../common/http/request-id.js';
import { SendEventDto } from '../common/http/send-event.dto.js';
import { WriteRateLimitGuard } from '../common/http/write-rate-limit.guard.js';
import { CreateEngagementDto } from '../engagements/dto/engagement.dto.js';
import { CreateFollowUpDto } from '../engagements/dto/follow-up.dto.js';
import { ENGAGEMENT_KINDS } from '../engagements/engagement.entity.js';
import { EngagementsService } from '../engagements/engagements.service.js';
import { FollowUpsService } from '../engagements/follow-ups.service.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import { CreatePersonDto } from '../people/dto/person.dto.js';
import { PeopleService } from '../people/people.service.js';
import { UsersService } from '../users/users.service.js';
import type { Refusal } from './refusal-words.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import { field, fieldList, validDto, versionOf, type FormBody } from './web-forms.js';
import { WEB_PREFIX } from './web-paths.js';
import { WebRefusals } from './web-refusals.js';
import { CsrfGuard, SignedInGuard, type WebRequest } from './web-session.js';
import { WebViews } from './web-views.js';

const LISTED = 200;
/** How many people a form offers as attendees: the people met are counted in hundreds. */
const PEOPLE_CHOICES = 1000;
const FOLLOW_UP_EVENTS = new Set(['COMPLETE', 'CANCEL', 'REOPEN']);

/**
 * People and engagements: lists with a form to record one, a page each; follow-ups added from an
 * engagement's page and completed or cancelled from there or from My work. Every change goes through
 * the services the API calls, with the API's DTOs. Session-cookie pages, hence `@Public()`.
 */
@ApiExcludeController()
@Public()
@UseGuards(SignedInGuard, CsrfGuard)
@UseFilters(WebExceptionFilter)
@Controller('ui')
export class EngagementPagesController {
  constructor(
    private readonly engagements: EngagementsService,
    private readonly followUps: FollowUpsService,
    private readonly people: PeopleService,
    private readonly organizations: OrganizationsService,
    private readonly users: UsersService,
    private readonly views: WebViews,
    private readonly refusals: WebRefusals,
  ) {}

  @Get('people')
  async peopleList(@Query('q') q: string | undefined, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    await this.renderPeople(request, response, q?.trim() || undefined, {});
  }

  @Post('people')
  @Roles('manager')
  async createPerson(@Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    try {
      const organizationId = field(body, 'organizationId');
      const title = field(body, 'title');
      const input = validDto(CreatePersonDto, {
        name: field(body, 'name'),
        ...(field(body, 'email') ? { email: field(body, 'email') } : {}),
        ...(field(body, 'phone') ? { phone: field(body, 'phone') } : {}),
        affiliations: organizationId ? [{ organizationId, ...(title ? { title } : {}) }] : [],
      });
      const person = await this.people.create(input, request.actor!, requestIdOf(request));
      response.redirect(303, `${WEB_PREFIX}/people/${person.id}?done=CREATED`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const refusal = await this.refusals.of(error, request);
      await this.renderPeople(request, response, undefined, body, refusal, refusal.status);
    }
  }

  @Get('people/:id')
  async person(@Param('id', ParseUUIDPipe) id: string, @Query('done') done: string | undefined, @Req() request: WebRequest, @Res() response: Response) {
    const person = await this.people.get(id);
    await this.views.page(request, response, 'person', { title: person.name, person, done: done === 'CREATED' ? done : null });
  }

  @Get('engagements')
  async engagementList(@Query('q') q: string | undefined, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    await this.renderEngagements(request, response, q?.trim() || undefined, {});
  }

  @Post('engagements')
  @Roles('manager')
  async createEngagement(@Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    try {
      const optional = (name: string) => (field(body, name) ? { [name]: field(body, name) } : {});
      const input = validDto(CreateEngagementDto, {
        kind: field(body, 'kind'),
        title: field(body, 'title'),
        startsOn: field(body, 'startsOn'),
        ...optional('endsOn'),
        ...optional('place'),
        ...optional('notes'),
        ...optional('parentId'),
        organizationIds: fieldList(body, 'organizationIds'),
        attendeeIds: fieldList(body, 'attendeeIds'),
        staffIds: fieldList(body, 'staffIds'),
      });
      const engagement = await this.engagements.create(input, request.actor!, requestIdOf(request));
      response.redirect(303, `${WEB_PREFIX}/engagements/${engagement.id}?done=CREATED`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const refusal = await this.refusals.of(error, request);
      await this.renderEngagements(request, response, undefined, body, refusal, refusal.status);
    }
  }

  @Get('engagements/:id')
  async engagement(@Param('id', ParseUUIDPipe) id: string, @Query('done') done: string | undefined, @Req() request: WebRequest, @Res() response: Response) {
    await this.renderEngagement(request, response, id, {}, undefined, done);
  }

  @Post('engagements/:id/follow-ups')
  @Roles('manager')
  async addFollowUp(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response) {
    try {
      const organizationId = field(body, 'organizationId');
      const input = validDto(CreateFollowUpDto, {
        title: field(body, 'title'),
        ownerId: field(body, 'ownerId'),
        dueOn: field(body, 'dueOn'),
        ...(organizationId ? { organizationId } : {}),
      });
      await this.followUps.create(id, input, request.actor!, requestIdOf(request));
      response.redirect(303, `${WEB_PREFIX}/engagements/${id}?done=FOLLOW_UP_ADDED#follow-ups`);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code === 'NOT_FOUND') throw error;
      const refusal = await this.refusals.of(error, request);
      await this.renderEngagement(request, response, id, body, refusal, undefined, refusal.status);
    }
  }

  /** Complete, cancel or reopen a follow-up, through the same engine and rules as the API; back to where the form was. */
  @Post('follow-ups/:id/events')
  @UseGuards(WriteRateLimitGuard)
  async followUpEvent(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response) {
    const back = field(body, 'returnTo') === 'work' ? '/' : undefined;
    try {
      const type = field(body, 'type');
      if (!type || !FOLLOW_UP_EVENTS.has(type)) throw new DomainError('VALIDATION_FAILED', 'choose to complete, cancel or reopen the follow-up');
      const comment = field(body, 'comment');
      const event = validDto(SendEventDto, { type, ...(comment ? { comment } : {}) });
      const { row } = await this.followUps.send(id, eventInput(event, request.actor!, versionOf(body), requestIdOf(request)));
      response.redirect(303, back ? '/' : `${WEB_PREFIX}/engagements/${row.engagementId}?done=${type}#follow-ups`);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code === 'NOT_FOUND') throw error;
      const refusal = await this.refusals.of(error, request);
      const followUp = await this.followUps.get(id);
      await this.renderEngagement(request, response, followUp.engagementId, {}, refusal, undefined, refusal.status);
    }
  }

  private async renderPeople(request: WebRequest, response: Response, q: string | undefined, values: FormBody, refusal?: Refusal, status = 200) {
    const { items, total } = await this.people.list({ q, limit: LISTED });
    const organizations = await this.organizations.choices();
    await this.views.page(
      request,
      response,
      'people',
      { title: 'People', people: items, total, q: q ?? '', values, refusal: refusal ?? null, organizations },
      status,
    );
  }

  private async renderEngagements(request: WebRequest, response: Response, q: string | undefined, values: FormBody, refusal?: Refusal, status = 200) {
    const { items, total } = await this.engagements.list({ q, limit: LISTED });
    const choices = await this.choices();
    const trips = items.filter((e) => e.kind === 'trip');
    await this.views.page(
      request,
      response,
      'engagements',
      { title: 'Engagements', engagements: items, total, q: q ?? '', values, refusal: refusal ?? null, kinds: ENGAGEMENT_KINDS, trips, ...choices },
      status,
    );
  }

  private async renderEngagement(request: WebRequest, response: Response, id: string, values: FormBody, refusal?: Refusal, done?: string, status = 200) {
    const engagement = await this.engagements.get(id);
    const { users } = await this.choices();
    const followUps = await Promise.all(
      engagement.followUps.map(async (f) => ({ ...f, actions: this.followUps.availableEvents(await this.followUps.get(f.id), request.actor!) })),
    );
    await this.views.page(
      request,
      response,
      'engagement',
      { title: engagement.title, engagement, followUps, users, values, refusal: refusal ?? null, done: done ?? null },
      status,
    );
  }

  /** What an engagement's forms offer to choose from: organizations, people met and users. */
  private async choices() {
    const [organizations, people, users] = [
      await this.organizations.choices(),
      (await this.people.list({ limit: PEOPLE_CHOICES })).items.map((p) => ({
        id: p.id,
        name: p.name,
        at: p.affiliations.map((a) => a.organizationName).join(', '),
      })),
      (await this.users.list({ limit: LISTED })).items.filter((u) => u.active).map((u) => ({ id: u.id, name: u.displayName ?? u.username })),
    ];
    return { organizations, people, users };
  }
}
