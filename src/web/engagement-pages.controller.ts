import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public, Roles } from '../auth/auth.decorators.js';
import { DomainError } from '../common/domain-error.js';
import { eventInput } from '../common/http/event-request.js';
import { requestIdOf } from '../common/http/request-id.js';
import { SendEventDto } from '../common/http/send-event.dto.js';
import { WriteRateLimitGuard } from '../common/http/write-rate-limit.guard.js';
import { DocumentsService } from '../documents/documents.service.js';
import { CreateEngagementDto, UpdateEngagementDto } from '../engagements/dto/engagement.dto.js';
import { CreateFollowUpDto } from '../engagements/dto/follow-up.dto.js';
import { ENGAGEMENT_KINDS } from '../engagements/engagement.entity.js';
import { EngagementsService, type EngagementView } from '../engagements/engagements.service.js';
import { FollowUpsService } from '../engagements/follow-ups.service.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import { PartnershipsService } from '../partnerships/partnerships.service.js';
import { CreatePersonDto, UpdatePersonDto } from '../people/dto/person.dto.js';
import { PeopleService, type PersonView } from '../people/people.service.js';
import { UsersService } from '../users/users.service.js';
import { ENGAGEMENT_LIST_FIELDS, engagementFieldsOf, engagementFormValues } from './engagement-form.js';
import { affiliationRowsFor, personFieldsOf, personFormValues } from './person-form.js';
import type { Refusal } from './refusal-words.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import { changedFields, field, validDto, versionOf, type FormBody, type FormOutcome } from './web-forms.js';
import { WEB_PREFIX } from './web-paths.js';
import { WebRefusals } from './web-refusals.js';
import { MultipartForm, type UploadingRequest } from './web-uploads.js';
import { CsrfGuard, SignedInGuard, type WebRequest } from './web-session.js';
import { WebViews } from './web-views.js';

const LISTED = 200;
/** How many people a form offers as attendees: the people met are counted in hundreds. */
const PEOPLE_CHOICES = 1000;
const FOLLOW_UP_EVENTS = new Set(['COMPLETE', 'CANCEL', 'REOPEN']);
/** What an engagement's page offers to say a document brought back is, in the order offered. */
const ENGAGEMENT_DOCUMENT_KINDS: Record<string, string> = {
  report: 'Minutes or a report',
  concept_note: 'A concept note',
  workplan: 'A workplan',
  mou_draft: 'A draft of an MOU',
  signed_mou: 'A signed MOU',
  other: 'Something else',
};
/** The outcomes a redirect to an engagement's or a person's page may name. */
const ENGAGEMENT_DONE = new Set(['CREATED', 'EDITED', 'UNCHANGED', 'ATTACHED', 'FOLLOW_UP_ADDED', ...FOLLOW_UP_EVENTS]);
const PERSON_DONE = new Set(['CREATED', 'EDITED', 'UNCHANGED']);

interface Choice {
  id: string;
  name: string;
}

/**
 * People and engagements: lists with a form to record one, a page each with a form to edit it (the
 * fields the API's PATCH takes, from the version the page was read at); follow-ups added from an
 * engagement's page and completed or cancelled from there or from My work; documents brought back
 * added there. Every change goes through the services the API calls, with the API's DTOs.
 * Session-cookie pages, hence `@Public()`.
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
    private readonly partnerships: PartnershipsService,
    private readonly documents: DocumentsService,
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
      const person = await this.people.create(validDto(CreatePersonDto, personFieldsOf(body)), request.actor!, requestIdOf(request));
      response.redirect(303, `${WEB_PREFIX}/people/${person.id}?done=CREATED`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const refusal = await this.refusals.of(error, request);
      await this.renderPeople(request, response, undefined, body, refusal, refusal.status);
    }
  }

  @Get('people/:id')
  async person(@Param('id', ParseUUIDPipe) id: string, @Query('done') done: string | undefined, @Req() request: WebRequest, @Res() response: Response) {
    await this.renderPerson(request, response, await this.people.get(id), { done: done && PERSON_DONE.has(done) ? done : null });
  }

  /** The edit form carries the version it was read at, as If-Match does for the API: a stale form is refused, not merged. */
  @Post('people/:id/details')
  @Roles('manager')
  async updatePerson(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response) {
    const person = await this.people.get(id);
    try {
      const version = versionOf(body);
      const changes = changedFields(personFieldsOf(personFormValues(person), { clear: true }), personFieldsOf(body, { clear: true }));
      if (Object.keys(changes).length === 0) return response.redirect(303, `${WEB_PREFIX}/people/${id}?done=UNCHANGED`);
      await this.people.update(id, validDto(UpdatePersonDto, changes), request.actor!, version, requestIdOf(request));
      response.redirect(303, `${WEB_PREFIX}/people/${id}?done=EDITED`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const refusal = await this.refusals.of(error, request);
      await this.renderPerson(request, response, person, { failed: { form: 'details', values: body, refusal } }, refusal.status);
    }
  }

  @Get('engagements')
  async engagementList(@Query('q') q: string | undefined, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    await this.renderEngagements(request, response, q?.trim() || undefined, {});
  }

  @Post('engagements')
  @Roles('manager')
  async createEngagement(@Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    try {
      const input = validDto(CreateEngagementDto, engagementFieldsOf(body));
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
    await this.renderEngagement(request, response, id, { done: done && ENGAGEMENT_DONE.has(done) ? done : null });
  }

  /** The edit form carries the version it was read at, as If-Match does for the API: a stale form is refused, not merged. */
  @Post('engagements/:id/details')
  @Roles('manager')
  async updateEngagement(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response) {
    const engagement = await this.engagements.get(id);
    try {
      const version = versionOf(body);
      const current = engagementFieldsOf(engagementFormValues(engagement), { clear: true });
      const changes = changedFields(current, engagementFieldsOf(body, { clear: true }), ENGAGEMENT_LIST_FIELDS);
      if (Object.keys(changes).length === 0) return response.redirect(303, `${WEB_PREFIX}/engagements/${id}?done=UNCHANGED`);
      await this.engagements.update(id, validDto(UpdateEngagementDto, changes), request.actor!, version, requestIdOf(request));
      response.redirect(303, `${WEB_PREFIX}/engagements/${id}?done=EDITED`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const refusal = await this.refusals.of(error, request);
      await this.renderEngagement(request, response, id, { failed: { form: 'details', values: body, refusal } }, refusal.status);
    }
  }

  /** A document brought back from the engagement (minutes, a presentation), streamed in as POST /api/documents takes one. */
  @Post('engagements/:id/documents')
  @Roles('manager')
  @MultipartForm({ fileFields: ['file'], maxFiles: 1 })
  async addDocument(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody, @Req() request: UploadingRequest, @Res() response: Response) {
    try {
      if (request.uploads?.refusal) throw request.uploads.refusal;
      const kind = field(body, 'kind') ?? '';
      const title = field(body, 'title');
      const [file] = request.uploads?.files ?? [];
      if (!file) throw new DomainError('VALIDATION_FAILED', 'choose the file to add', { errors: ['choose the file to add'] });
      const fields = { kind, engagementId: id, ...(title ? { title } : {}) };
      const document = await this.documents.upload({ ...file, fields }, request.actor!, requestIdOf(request));
      response.redirect(303, `${WEB_PREFIX}/engagements/${id}?done=ATTACHED#document-${document.id}`);
    } catch (error) {
      // The engagement is the one thing an upload here names: without it there is no page to show the form on.
      if (!(error instanceof DomainError) || error.code === 'NOT_FOUND') throw error;
      const refusal = await this.refusals.of(error, request);
      await this.renderEngagement(request, response, id, { failed: { form: 'document', values: body, refusal } }, refusal.status);
    }
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
      await this.renderEngagement(request, response, id, { failed: { form: 'follow-up', values: body, refusal } }, refusal.status);
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
      await this.renderEngagement(request, response, followUp.engagementId, { failed: { form: 'event', values: body, refusal } }, refusal.status);
    }
  }

  private async renderPeople(request: WebRequest, response: Response, q: string | undefined, values: FormBody, refusal?: Refusal, status = 200) {
    const { items, total } = await this.people.list({ q, limit: LISTED });
    const organizations = await this.organizations.choices();
    await this.views.page(
      request,
      response,
      'people',
      { title: 'People', people: items, total, q: q ?? '', values, refusal: refusal ?? null, organizations, affiliationRows: affiliationRowsFor(values) },
      status,
    );
  }

  private async renderPerson(request: WebRequest, response: Response, person: PersonView, outcome: FormOutcome, status = 200) {
    const values = outcome.failed?.values ?? personFormValues(person);
    const current = person.affiliations.map((a) => ({ id: a.organizationId, name: a.organizationName }));
    await this.views.page(
      request,
      response,
      'person',
      {
        title: person.name,
        person,
        values,
        organizations: withChosen(await this.organizations.choices(), current),
        affiliationRows: affiliationRowsFor(values),
        failed: outcome.failed ?? null,
        done: outcome.done ?? null,
      },
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

  private async renderEngagement(request: WebRequest, response: Response, id: string, outcome: FormOutcome, status = 200) {
    const engagement = await this.engagements.get(id);
    const choices = await this.choices(engagement);
    const followUps = await Promise.all(
      engagement.followUps.map(async (f) => ({ ...f, actions: this.followUps.availableEvents(await this.followUps.get(f.id), request.actor!) })),
    );
    const failed = outcome.failed ?? null;
    await this.views.page(
      request,
      response,
      'engagement',
      {
        title: engagement.title,
        engagement,
        followUps,
        ...choices,
        kinds: ENGAGEMENT_KINDS,
        trips: await this.tripChoices(engagement),
        editValues: failed?.form === 'details' ? failed.values : engagementFormValues(engagement),
        documentKinds: ENGAGEMENT_DOCUMENT_KINDS,
        maxUploadMb: this.documents.maxUploadBytes / (1024 * 1024),
        failed,
        done: outcome.done ?? null,
      },
      status,
    );
  }

  /** The trips a meeting may be part of: the newest, and the one it is part of now; never itself. */
  private async tripChoices(engagement: EngagementView): Promise<Choice[]> {
    const trips = (await this.engagements.list({ limit: LISTED })).items.filter((e) => e.kind === 'trip').map((e) => ({ id: e.id, name: e.title }));
    const current = engagement.parent ? [{ id: engagement.parent.id, name: engagement.parent.title }] : [];
    return withChosen(trips, current).filter((t) => t.id !== engagement.id);
  }

  /** What an engagement's forms offer to choose from: organizations, people met, users and partnerships; with `engagement`, those it names now too. */
  private async choices(engagement?: EngagementView) {
    const [organizations, people, users, partnerships] = [
      await this.organizations.choices(),
      (await this.people.list({ limit: PEOPLE_CHOICES })).items.map((p) => ({
        id: p.id,
        name: p.name,
        at: p.affiliations.map((a) => a.organizationName).join(', '),
      })),
      (await this.users.list({ limit: LISTED })).items.filter((u) => u.active).map((u) => ({ id: u.id, name: u.displayName ?? u.username })),
      (await this.partnerships.list({ limit: LISTED })).items.map((p) => ({ id: p.id, name: p.title })),
    ];
    if (!engagement) return { organizations, people, users, partnerships };
    return {
      organizations: withChosen(organizations, engagement.organizations),
      people: withChosen(people, engagement.attendees),
      users: withChosen(users, engagement.staff),
      partnerships: withChosen(partnerships, engagement.partnerships),
    };
  }
}

/** A form's choices with what is chosen now added when the bounded list left it out, so that saving the form does not drop it. */
function withChosen<T extends Choice>(choices: T[], chosen: Choice[]): Array<T | Choice> {
  const offered = new Set(choices.map((c) => c.id));
  return [...choices, ...chosen.filter((c) => !offered.has(c.id))];
}
