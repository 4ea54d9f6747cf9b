import { jest } from '@jest/globals';
import { RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { ModulesContainer } from '@nestjs/core';
import { DECORATORS } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, ValidationTypes, validateSync } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { IS_PUBLIC_KEY, ROLES_KEY } from '../src/auth/auth.decorators.js';
import { LOGIN_LIMITS } from '../src/auth/login-throttle.js';
import { PARTNER_LINK_MISSES } from '../src/documents/partner-links/partner-throttle.js';
import { DATA_CLASSES } from '../src/common/http/event-data.dto.js';
import { UploadDocumentDto } from '../src/documents/dto/document.dto.js';
import { TimersService } from '../src/timers/timers.service.js';
import { createApiApp, ROLE_USERS, USER_PASSWORD, type ApiApp, type UserName } from './support/api.js';
import { driveOccurrence, drivePartnership, occurrenceIdsOf, sendEvent, SHORT_TERM } from './support/drive.js';
import { organizationInput, partnershipInput } from './support/factories.js';
import { insertFailedMail } from './support/failed-mail.js';
import { agreeUploadedText } from './support/partner-links.js';
import { OpenApiAnswers, type Answer, type OpenApiDocument, type Operation, type Schema } from './support/openapi.js';
import { binaryBody } from './support/binary-body.js';

interface AppRoute {
  method: string;
  /** As OpenAPI writes it: `/api/partnerships/{id}`. */
  path: string;
  isPublic: boolean;
  roles: string[];
  /** Left out of the document on purpose (`@ApiExcludeController`, `@ApiExcludeEndpoint`): the web pages. */
  excluded: boolean;
  /** The DTO class of the whole `@Body()`, if the handler takes one. */
  body?: Type;
  /** The DTO class of the whole `@Query()`, if the handler takes one. */
  query?: Type;
}

/** Every route Nest serves, read from the controllers' own metadata (not from the document under test). */
function routesOf(api: ApiApp): AppRoute[] {
  const routes: AppRoute[] = [];
  const join = (...parts: string[]) =>
    '/' +
    parts
      .flatMap((p) => p.split('/'))
      .filter(Boolean)
      .join('/');
  for (const module of api.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!controller) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        // A handler may serve several paths (`@All(['', '{*path}'])`).
        const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (paths === undefined || method === undefined) continue;
        const lookup = <T>(key: string): T | undefined =>
          (Reflect.getMetadata(key, handler) as T | undefined) ?? (Reflect.getMetadata(key, controller) as T | undefined);
        // `@Body()` and `@Query()` are stored as `<RouteParamtypes>:<index>`; the index names the parameter's design type.
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<string, { index: number; data?: unknown }>;
        const paramTypes = (Reflect.getMetadata('design:paramtypes', controller.prototype, name) ?? []) as Type[];
        const whole = (kind: RouteParamtypes) => Object.entries(args).find(([key, arg]) => key === `${kind}:${arg.index}` && arg.data === undefined)?.[1].index;
        const bodyIndex = whole(RouteParamtypes.BODY);
        const queryIndex = whole(RouteParamtypes.QUERY);
        for (const path of [paths].flat())
          routes.push({
            method: RequestMethod[method].toLowerCase(),
            path: join('api', base, path).replace(/:([A-Za-z0-9_]+)/g, '{$1}'),
            isPublic: lookup<boolean>(IS_PUBLIC_KEY) === true,
            roles: lookup<string[]>(ROLES_KEY) ?? [],
            excluded:
              (Reflect.getMetadata(DECORATORS.API_EXCLUDE_CONTROLLER, controller) as boolean[] | undefined)?.[0] === true ||
              (Reflect.getMetadata(DECORATORS.API_EXCLUDE_ENDPOINT, handler) as { disable?: boolean } | undefined)?.disable === true,
            body: bodyIndex === undefined ? undefined : paramTypes[bodyIndex],
            query: queryIndex === undefined ? undefined : paramTypes[queryIndex],
          });
      }
    }
  }
  return routes;
}

// it (not from the document under test), so that each request-body schema can be held to it.

type ValidationMetadata = ReturnType<ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']>[number];

const BOUNDS = ['minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'maxItems'] as const;
type Bound = (typeof BOUNDS)[number];

interface Expected {
  /** The OpenAPI type the validators imply; `object` for a nested DTO. */
  type?: string;
  format?: string;
  enum?: unknown[];
  /** The validators' limits, under the keyword that states each in a schema. */
  bounds: Partial<Record<Bound, number>>;
  /** The class a nested object is validated as. */
  nested?: Type;
  items?: Expected;
}

const FORMAT_OF: Record<string, string> = { isUuid: 'uuid', isEmail: 'email', isUrl: 'uri', isIsoDate: 'date' };
const STRING_VALIDATORS = new Set(['isString', 'matches', 'isIso8601', ...Object.keys(FORMAT_OF)]);
/**
 * Validators with no schema keyword checked here (`required` and `nullable` are checked by
 * validating; a day that exists every year depends on the month beside it, which no keyword states).
 */
const NO_KEYWORD = new Set(['arrayUnique', 'isArray', 'isDefined', 'isDayOfEveryYear', 'noBidiControls']);

function validatorsOf(dto: Type): Map<string, ValidationMetadata[]> {
  const byProperty = new Map<string, ValidationMetadata[]>();
  for (const meta of getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false)) {
    byProperty.set(meta.propertyName, [...(byProperty.get(meta.propertyName) ?? []), meta]);
  }
  return byProperty;
}

/** The schema a property's validators call for; `unknown` lists validators this reading has no rule for. */
function expectedOf(dto: Type, property: string, metas: ValidationMetadata[]): { expected: Expected; unknown: string[] } {
  const checks = metas.filter((m) => m.type !== ValidationTypes.CONDITIONAL_VALIDATION);
  const nameOf = (m: ValidationMetadata) => (m.type === ValidationTypes.NESTED_VALIDATION ? 'nested' : (m.name ?? m.type));
  const isArray = checks.some((m) => m.each || ['isArray', 'arrayMinSize', 'arrayMaxSize'].includes(nameOf(m)));
  const element: Expected = { bounds: {} };
  const array: Expected = { type: 'array', bounds: {}, items: element };
  const unknown: string[] = [];
  for (const meta of checks) {
    const [first, second] = (meta.constraints ?? []) as unknown[];
    const name = nameOf(meta);
    if (name === 'arrayMinSize') array.bounds.minItems = first as number;
    else if (name === 'arrayMaxSize') array.bounds.maxItems = first as number;
    else if (name === 'nested') {
      // The class the ValidationPipe's transform would make of the value.
      const made = (plainToInstance(dto, { [property]: isArray ? [{}] : {} }) as Record<string, unknown>)[property];
      element.type = 'object';
      element.nested = ((isArray ? (made as object[])[0] : made) as object).constructor as Type;
    } else if (name === 'isInt') element.type = 'integer';
    else if (name === 'isBoolean') element.type = 'boolean';
    else if (name === 'isObject') element.type = 'object';
    else if (name === 'isIn') {
      element.enum = [...(first as unknown[])];
      element.type = typeof element.enum[0];
    } else if (name === 'min') element.bounds.minimum = first as number;
    else if (name === 'max') element.bounds.maximum = first as number;
    else if (name === 'isLength') {
      element.type = 'string';
      element.bounds.minLength = first as number;
      if (second !== undefined) element.bounds.maxLength = second as number;
    } else if (name === 'isISO31661Alpha2') Object.assign(element, { type: 'string', bounds: { ...element.bounds, minLength: 2, maxLength: 2 } });
    else if (STRING_VALIDATORS.has(name)) Object.assign(element, { type: 'string' }, FORMAT_OF[name] ? { format: FORMAT_OF[name] } : {});
    else if (!NO_KEYWORD.has(name)) unknown.push(name);
  }
  return { expected: isArray ? array : element, unknown };
}

/** The validation errors the DTO gives `property` for this body, as the ValidationPipe would validate it. */
function errorsOn(dto: Type, body: object, property: string): boolean {
  return validateSync(plainToInstance(dto, body) as object).some((error) => error.property === property);
}

const isNull = (schema: Schema) => schema.type === 'null';

/** Whether a schema takes null: OpenAPI 3.1 says so with `type: [T, 'null']`, or `anyOf: [X, {type: 'null'}]` around a reference. */
function allowsNull(schema: Schema): boolean {
  return (Array.isArray(schema.type) && schema.type.includes('null')) || schema.anyOf?.some(isNull) === true;
}

/** The schema of the values besides null. */
function nonNull(schema: Schema): Schema {
  const other = schema.anyOf?.filter((part) => !isNull(part));
  if (other?.length === 1 && schema.anyOf?.length === 2) return other[0];
  if (!Array.isArray(schema.type)) return schema;
  const types = schema.type.filter((type) => type !== 'null');
  return { ...schema, type: types.length === 1 ? types[0] : types, ...(schema.enum ? { enum: schema.enum.filter((value) => value !== null) } : {}) };
}

function resolve(doc: OpenApiDocument, given: Schema): Schema {
  const schema = nonNull(given);
  const ref = schema.$ref ?? (schema.allOf?.length === 1 ? schema.allOf[0].$ref : undefined);
  return ref ? resolve(doc, doc.components.schemas[ref.replace('#/components/schemas/', '')] ?? {}) : schema;
}

/**
 * How a property's schema differs from what its validators check. `checkRequired` false leaves out
 * `required`, for event data: there it says what the workflow needs (event-data.spec.ts holds it to
 * the definitions), while validation leaves a missing field to the workflow.
 */
function propertyProblems(doc: OpenApiDocument, given: Schema, expected: Expected, at: string, checkRequired = true): string[] {
  if (expected.nested) return dtoSchemaProblems(doc, given, expected.nested, at, checkRequired);
  const schema = resolve(doc, given);
  const problems: string[] = [];
  if (expected.type === undefined) problems.push(`${at}: the DTO checks no type`);
  else if (schema.type !== expected.type) problems.push(`${at}: type ${String(schema.type)} in the document, ${String(expected.type)} in the DTO`);
  const documentedFormat = schema.format && Object.values(FORMAT_OF).includes(schema.format) ? schema.format : undefined;
  if (documentedFormat !== expected.format) problems.push(`${at}: format ${documentedFormat} in the document, ${expected.format} in the DTO`);
  const sorted = (values?: unknown[]) => (values ? [...values].map(String).sort().join('|') : undefined);
  if (sorted(schema.enum) !== sorted(expected.enum)) problems.push(`${at}: enum ${sorted(schema.enum)} in the document, ${sorted(expected.enum)} in the DTO`);
  for (const bound of BOUNDS) {
    if (schema[bound] !== expected.bounds[bound]) problems.push(`${at}: ${bound} ${schema[bound]} in the document, ${expected.bounds[bound]} in the DTO`);
  }
  if (expected.items) {
    problems.push(...(schema.items ? propertyProblems(doc, schema.items, expected.items, `${at}[]`, checkRequired) : [`${at}: an array without items`]));
  }
  return problems;
}

/** How an object schema differs from its DTO: properties, required, nullable, and each property's type, format, enum and bounds. */
function dtoSchemaProblems(doc: OpenApiDocument, given: Schema, dto: Type, at: string, checkRequired = true): string[] {
  const schema = resolve(doc, given);
  const validators = validatorsOf(dto);
  const properties = schema.properties ?? {};
  const problems: string[] = [];
  if (schema.type !== 'object') problems.push(`${at}: type ${String(schema.type)}, not object, for ${dto.name}`);
  for (const name of validators.keys()) if (!properties[name]) problems.push(`${at}.${name}: accepted by ${dto.name}, not in the document`);
  for (const name of Object.keys(properties)) if (!validators.has(name)) problems.push(`${at}.${name}: in the document, refused by ${dto.name}`);
  const required = [...validators.keys()].filter((name) => errorsOn(dto, {}, name)).sort();
  if (checkRequired && required.join() !== [...(schema.required ?? [])].sort().join()) {
    problems.push(`${at}: required [${(schema.required ?? []).join()}] in the document, [${required.join()}] by ${dto.name}`);
  }
  for (const [name, metas] of validators) {
    if (!properties[name]) continue;
    const acceptsNull = !errorsOn(dto, { [name]: null }, name);
    const documentedNull = allowsNull(properties[name]);
    if (acceptsNull !== documentedNull)
      problems.push(`${at}.${name}: null ${documentedNull ? 'allowed' : 'refused'} in the document, ${acceptsNull ? 'accepted' : 'refused'} by ${dto.name}`);
    const { expected, unknown } = expectedOf(dto, name, metas);
    problems.push(...unknown.map((validator) => `${at}.${name}: no rule here for the validator ${validator}`));
    problems.push(...propertyProblems(doc, properties[name], expected, `${at}.${name}`, checkRequired));
  }
  return problems;
}

/** A body made of the document's examples (nested objects and arrays of them too). */
function exampleOf(doc: OpenApiDocument, given: Schema): unknown {
  if (given.example !== undefined) return given.example;
  const schema = resolve(doc, given);
  if (schema.example !== undefined) return schema.example;
  if (schema.type === 'array' && schema.items) {
    const item = exampleOf(doc, schema.items);
    return item === undefined ? undefined : [item];
  }
  if (!schema.properties) return undefined;
  const entries = Object.entries(schema.properties).map(([name, property]) => [name, exampleOf(doc, property)] as const);
  const filled = entries.filter(([, value]) => value !== undefined);
  return filled.length ? Object.fromEntries(filled) : undefined;
}

/** Bodies sent as `multipart/form-data`: the DTO of their fields, and the field of the file, read as a stream beside them. */
/** An import takes its file alone. */
class NoFields {}

const MULTIPART_BODIES: Record<string, { fields: Type; file: string }> = {
  'POST /api/documents': { fields: UploadDocumentDto, file: 'file' },
  'POST /api/import/organizations': { fields: NoFields, file: 'file' },
  'POST /api/import/people': { fields: NoFields, file: 'file' },
  'POST /api/import/agreements': { fields: NoFields, file: 'file' },
};

/** The schema of an operation's body, JSON or multipart. */
const bodySchemaOf = (op: Operation): Schema | undefined => {
  const content = op.requestBody?.content;
  return (content?.['application/json'] ?? content?.['multipart/form-data'])?.schema;
};

/** Every operation that takes a body, with the properties and required fields its DTO has. */
const REQUEST_BODIES: Record<string, { properties: string[]; required: string[] }> = {
  'POST /api/auth/login': { properties: ['username', 'password'], required: ['username', 'password'] },
  'POST /api/organizations': { properties: ['name', 'kind', 'country', 'city', 'website', 'contacts', 'parentId'], required: ['name', 'kind', 'country'] },
  'PATCH /api/organizations/{id}': { properties: ['name', 'kind', 'country', 'city', 'website', 'contacts', 'parentId'], required: [] },
  'POST /api/people': { properties: ['name', 'email', 'phone', 'notes', 'affiliations'], required: ['name', 'affiliations'] },
  'PATCH /api/people/{id}': { properties: ['name', 'email', 'phone', 'notes', 'affiliations'], required: [] },
  'POST /api/engagements': {
    properties: ['kind', 'title', 'startsOn', 'endsOn', 'place', 'organizationIds', 'attendeeIds', 'staffIds', 'notes', 'partnershipIds', 'parentId'],
    required: ['kind', 'title', 'startsOn', 'organizationIds'],
  },
  'PATCH /api/engagements/{id}': {
    properties: ['kind', 'title', 'startsOn', 'endsOn', 'place', 'organizationIds', 'attendeeIds', 'staffIds', 'notes', 'partnershipIds', 'parentId'],
    required: [],
  },
  'POST /api/engagements/{id}/follow-ups': {
    properties: ['title', 'ownerId', 'dueOn', 'organizationId', 'partnershipId'],
    required: ['title', 'ownerId', 'dueOn'],
  },
  'POST /api/follow-ups/{id}/events': { properties: ['type', 'comment', 'data'], required: ['type'] },
  'POST /api/partnerships': {
    properties: [
      'title',
      'organizationId',
      'workflowId',
      'summary',
      'programme',
      'focalPoint',
      'notes',
      'proposedActivities',
      'requiredApprovals',
      'approvalSlaDays',
      'originEngagementId',
      'originFollowUpId',
    ],
    required: ['title', 'organizationId'],
  },
  'PATCH /api/partnerships/{id}': {
    properties: [
      'title',
      'organizationId',
      'summary',
      'programme',
      'focalPoint',
      'notes',
      'proposedActivities',
      'requiredApprovals',
      'approvalSlaDays',
      'ownerId',
    ],
    required: [],
  },
  'POST /api/workflows/{id}/migrations': {
    properties: ['fromVersion', 'toVersion', 'mapping', 'partnershipIds', 'dryRun'],
    required: ['fromVersion', 'toVersion', 'dryRun'],
  },
  'POST /api/partnerships/{id}/events': { properties: ['type', 'comment', 'data'], required: ['type'] },
  'POST /api/partnerships/{id}/activities': { properties: ['kind', 'title', 'recurrence', 'startsOn'], required: ['kind', 'title', 'recurrence'] },
  'POST /api/occurrences/{id}/events': { properties: ['type', 'comment', 'data'], required: ['type'] },
  'POST /api/calendar/tokens': { properties: ['label'], required: [] },
  'POST /api/documents': { properties: ['file', 'kind', 'partnershipId', 'engagementId', 'title'], required: ['file', 'kind'] },
  'POST /api/import/organizations': { properties: ['file'], required: ['file'] },
  'POST /api/import/people': { properties: ['file'], required: ['file'] },
  'POST /api/import/agreements': { properties: ['file'], required: ['file'] },
  'POST /api/users': { properties: ['username', 'password', 'displayName', 'roles', 'email'], required: ['username', 'password', 'roles'] },
  'PATCH /api/users/{id}': { properties: ['roles', 'active', 'displayName', 'password', 'email'], required: [] },
  'POST /api/users/{id}/password': { properties: ['newPassword'], required: ['newPassword'] },
  'PATCH /api/me': { properties: ['displayName', 'email', 'emailMode'], required: [] },
  'POST /api/me/password': { properties: ['currentPassword', 'newPassword'], required: ['currentPassword', 'newPassword'] },
  'POST /api/delegations': { properties: ['delegateId', 'startsOn', 'endsOn', 'reason', 'principalId'], required: ['delegateId', 'startsOn', 'endsOn'] },
  'POST /api/partnerships/{id}/partner-links': { properties: ['name', 'email', 'expiresInDays'], required: ['name'] },
  'POST /api/partner/{token}/acknowledge': { properties: ['name', 'title'], required: ['name', 'title'] },
  'POST /api/partner/{token}/comment': { properties: ['comment'], required: ['comment'] },
};

/** SPEC: changes to a partnership, an occurrence (and, here, an organization) carry If-Match. */
const NEEDS_IF_MATCH = [
  'PATCH /api/organizations/{id}',
  'PATCH /api/people/{id}',
  'PATCH /api/engagements/{id}',
  'POST /api/follow-ups/{id}/events',
  'PATCH /api/partnerships/{id}',
  'POST /api/partnerships/{id}/events',
  'POST /api/partnerships/{id}/activities',
  'POST /api/occurrences/{id}/events',
];

/** Enough for every user's requests below, and few for manager2 to spend on the way to its 429. */
const WRITES_PER_MINUTE = 150;

describe('the OpenAPI document', () => {
  let api: ApiApp;
  let doc: OpenApiDocument;
  /** The API's routes; the web pages are left out of the document on purpose. */
  let routes: AppRoute[];
  let pages: AppRoute[];
  let answers: OpenApiAnswers;

  beforeAll(async () => {
    api = await createApiApp({ RATE_LIMIT_WRITES_PER_MINUTE: String(WRITES_PER_MINUTE) });
    doc = (await request(api.http).get('/api/docs-json').expect(200)).body as OpenApiDocument;
    answers = new OpenApiAnswers(doc);
    const all = routesOf(api);
    routes = all.filter((r) => !r.excluded);
    pages = all.filter((r) => r.excluded);
  });

  afterAll(() => api.close());

  function operation(method: string, path: string): Operation {
    const found = doc.paths[path]?.[method];
    if (!found) throw new Error(`${method.toUpperCase()} ${path} is not in the document`);
    return found;
  }

  it('is served without a token, as OpenAPI 3.1 with bearer authentication', async () => {
    // 3.1, whose schemas are JSON Schema 2020-12: it can say that a referenced object may be null, which 3.0 cannot.
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(Object.values(doc.components.securitySchemes ?? {})).toContainEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
  });

  it("lists exactly the app's API routes, and leaves out only web pages", () => {
    const served = routes.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort();
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(served.length).toBeGreaterThan(20);
    expect(documented).toEqual(served);
    const apiResources = new Set(routes.map((r) => r.path.split('/')[2]));
    expect(pages.filter((r) => apiResources.has(r.path.split('/')[2])).map((r) => `${r.method.toUpperCase()} ${r.path}`)).toEqual([]);
  });

  it('gives every operation a tag and a 2xx answer with a schema', () => {
    const missing = routes.flatMap((route) => {
      const op = operation(route.method, route.path);
      const success = Object.entries(op.responses).filter(([status]) => /^2\d\d$/.test(status));
      const problems: string[] = [];
      if (!op.tags?.length) problems.push('no tag');
      if (success.length === 0) problems.push('no 2xx response');
      for (const [status, answer] of success) {
        // 204 No Content has no body to describe.
        if (status === '204' && answer.content === undefined) continue;
        const schemas = Object.values(answer.content ?? {}).map((media) => media.schema);
        if (schemas.length === 0 || schemas.some((s) => s === undefined)) problems.push(`${status} has no schema`);
      }
      return problems.map((p) => `${route.method.toUpperCase()} ${route.path}: ${p}`);
    });
    expect(missing).toEqual([]);
  });

  it('declares bearer security and the error answers of every protected operation, in the one error shape', () => {
    const missing = routes.flatMap((route) => {
      const op = operation(route.method, route.path);
      const problems: string[] = [];
      const expected: number[] = [];
      // A route public to the guard may still check a credential itself (the calendar feed takes a bearer token or ?token=).
      const checksCredentials = !route.isPublic || (op.security?.length ?? 0) > 0;
      if (!route.isPublic && !op.security?.some((s) => 'bearer' in s)) problems.push('no bearer security');
      if (checksCredentials) expected.push(401);
      // Partnership and occurrence events are allowed per event, so any of them can be refused by role.
      if (route.roles.length > 0 || route.path.endsWith('/events')) expected.push(403);
      if (op.requestBody || op.parameters?.some((p) => p.in === 'query')) expected.push(400);
      if (route.path.includes('{id}')) expected.push(404);
      const takesIfMatch = op.parameters?.some((p) => p.in === 'header' && p.name === 'If-Match') === true;
      if (NEEDS_IF_MATCH.includes(`${route.method.toUpperCase()} ${route.path}`) && !takesIfMatch) problems.push('no If-Match header');
      if (takesIfMatch) expected.push(428, 412);
      for (const status of expected) {
        const schema = op.responses[String(status)]?.content?.['application/json']?.schema;
        if (!op.responses[String(status)]) problems.push(`no ${status} response`);
        else if (schema?.$ref !== '#/components/schemas/ErrorResponse') problems.push(`${status} is not an ErrorResponse`);
      }
      return problems.map((p) => `${route.method.toUpperCase()} ${route.path}: ${p}`);
    });
    expect(missing).toEqual([]);
    expect(doc.components.schemas.ErrorResponse.required).toEqual(expect.arrayContaining(['statusCode', 'code', 'message']));
  });

  it('documents every request body as its DTO validates it: properties, required, nullable, types, formats, enums and bounds', () => {
    const problems = routes.flatMap((route) => {
      const label = `${route.method.toUpperCase()} ${route.path}`;
      const body = operation(route.method, route.path).requestBody;
      const multipart = MULTIPART_BODIES[label];
      if (multipart) {
        const schema = resolve(doc, body?.content?.['multipart/form-data']?.schema ?? {});
        const { [multipart.file]: file, ...fields } = schema.properties ?? {};
        const binaryFile = file?.type === 'string' && file.format === 'binary' && schema.required?.includes(multipart.file);
        const required = schema.required?.filter((name) => name !== multipart.file);
        const fileProblems = binaryFile ? [] : [`${label}: ${multipart.file} is not a required binary string`];
        return [...fileProblems, ...dtoSchemaProblems(doc, { ...schema, properties: fields, required }, multipart.fields, label)];
      }
      if (!route.body) return body ? [`${label}: documents a body the handler does not take`] : [];
      const schema = body?.content?.['application/json']?.schema;
      if (!schema) return [`${label}: takes ${route.body.name} but documents no JSON body`];
      if (Object.keys(resolve(doc, schema).properties ?? {}).length === 0) return [`${label}: an empty schema for ${route.body.name}`];
      return dtoSchemaProblems(doc, schema, route.body, label);
    });
    expect(problems).toEqual([]);
  });

  it("documents each event's data as its class validates it, and names each schema in the events' description of data", () => {
    const problems = DATA_CLASSES.flatMap((shape) => {
      const schema = doc.components.schemas[shape.name];
      return schema ? dtoSchemaProblems(doc, schema, shape, shape.name, false) : [`${shape.name}: not in the document`];
    });
    expect(problems).toEqual([]);
    const data = resolve(doc, operation('post', '/api/partnerships/{id}/events').requestBody?.content?.['application/json']?.schema ?? {}).properties?.data;
    expect((data as { description?: string } | undefined)?.description).toContain(`Their schemas: ${DATA_CLASSES.map((shape) => shape.name).join(', ')}.`);
  });

  it('lists the properties and required fields of each request body', () => {
    const withBody = routes.filter((r) => operation(r.method, r.path).requestBody).map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(withBody.sort()).toEqual(Object.keys(REQUEST_BODIES).sort());
    for (const [route, { properties, required }] of Object.entries(REQUEST_BODIES)) {
      const [method, path] = route.split(' ');
      const schema = resolve(doc, bodySchemaOf(operation(method.toLowerCase(), path)) ?? {});
      expect({ route, properties: Object.keys(schema.properties ?? {}).sort(), required: [...(schema.required ?? [])].sort() }).toEqual({
        route,
        properties: [...properties].sort(),
        required: [...required].sort(),
      });
    }
  });

  it('documents every query parameter its DTO accepts, and no other', () => {
    const problems = routes.flatMap((route) => {
      const documented = (operation(route.method, route.path).parameters ?? [])
        .filter((p) => p.in === 'query')
        .map((p) => p.name)
        .sort();
      const accepted = route.query ? [...validatorsOf(route.query).keys()].sort() : [];
      return documented.join() === accepted.join()
        ? []
        : [
            `${route.method.toUpperCase()} ${route.path}: query [${documented.join()}] in the document, [${accepted.join()}] by ${route.query?.name ?? 'no DTO'}`,
          ];
    });
    expect(problems).toEqual([]);
  });

  it('documents each query parameter as its DTO validates it: required, type, format, enum and bounds', () => {
    const problems = routes.flatMap((route) => {
      const label = `${route.method.toUpperCase()} ${route.path}`;
      const dto = route.query;
      if (!dto) return [];
      const validators = validatorsOf(dto);
      return (operation(route.method, route.path).parameters ?? [])
        .filter((p) => p.in === 'query' && validators.has(p.name))
        .flatMap((parameter) => {
          const at = `${label}?${parameter.name}`;
          const found: string[] = [];
          const required = errorsOn(dto, {}, parameter.name);
          if ((parameter.required === true) !== required)
            found.push(`${at}: required ${parameter.required === true} in the document, ${required} by ${dto.name}`);
          if (!parameter.schema) return [...found, `${at}: no schema`];
          const { expected, unknown } = expectedOf(dto, parameter.name, validators.get(parameter.name) ?? []);
          found.push(...unknown.map((validator) => `${at}: no rule here for the validator ${validator}`));
          found.push(...propertyProblems(doc, parameter.schema, expected, at));
          return found;
        });
    });
    expect(problems).toEqual([]);
  });

  it('gives request-body examples that their DTO accepts, that the API takes as they are, and refuses without a required field', async () => {
    const example = (method: string, path: string) =>
      exampleOf(doc, operation(method, path).requestBody?.content?.['application/json']?.schema ?? {}) as Record<string, unknown> | undefined;
    for (const route of routes.filter((r) => r.body)) {
      const body = example(route.method, route.path);
      if (body === undefined) continue;
      const errors = validateSync(plainToInstance(route.body as Type, body) as object, {
        skipMissingProperties: true,
        whitelist: true,
        forbidNonWhitelisted: true,
      });
      expect({ route: `${route.method.toUpperCase()} ${route.path}`, errors: errors.map((e) => e.toString()) }).toEqual({
        route: `${route.method.toUpperCase()} ${route.path}`,
        errors: [],
      });
    }
    const organization = await api.as('manager').post('/api/organizations').send(example('post', '/api/organizations')).expect(201);
    expect(organization.body).toMatchObject({
      name: 'Beaconhouse National University',
      country: 'PK',
      city: 'Lahore',
      contacts: [expect.objectContaining({ name: 'Mansoor Ahmad Khan' })],
    });
    const partnership = await api
      .as('manager')
      .post('/api/partnerships')
      .send({ ...example('post', '/api/partnerships'), organizationId: organization.body.id })
      .expect(201);
    expect(partnership.body.proposedActivities).toEqual([
      expect.objectContaining({ kind: 'annual_lecture', recurrence: { frequency: 'yearly', month: 10, day: 15 } }),
    ]);
    await api
      .as('manager')
      .post(`/api/partnerships/${partnership.body.id}/activities`)
      .set('If-Match', `"${partnership.body.version}"`)
      .send(example('post', '/api/partnerships/{id}/activities'))
      .expect(201);
    await api
      .as('manager')
      .patch(`/api/organizations/${organization.body.id}`)
      .set('If-Match', `"${organization.body.version}"`)
      .send(example('patch', '/api/organizations/{id}'))
      .expect(200);

    const proposal = (await api.as('manager').post('/api/partnerships').send(partnershipInput(organization.body.id)).expect(201)).body as { id: string };
    const bodies: Array<[string, string, string, Record<string, unknown>]> = [
      ['post', '/api/organizations', '/api/organizations', example('post', '/api/organizations') ?? {}],
      ['post', '/api/partnerships', '/api/partnerships', { ...example('post', '/api/partnerships'), organizationId: organization.body.id }],
      ['post', '/api/partnerships/{id}/activities', `/api/partnerships/${proposal.id}/activities`, example('post', '/api/partnerships/{id}/activities') ?? {}],
    ];
    for (const [method, path, url, body] of bodies) {
      for (const field of resolve(doc, operation(method, path).requestBody?.content?.['application/json']?.schema ?? {}).required ?? []) {
        const { [field]: _left, ...rest } = body;
        const refused = await api.as('manager').post(url).set('If-Match', '"1"').send(rest);
        expect({ path, without: field, status: refused.status }).toEqual({ path, without: field, status: 400 });
      }
    }
  });

  // -------------------------------------------------------------------------------------------
  // Real answers of every route, checked against the document with Ajv (strict mode, JSON Schema
  // 2020-12 as OpenAPI 3.1 uses it): the body as the document declares it for that path, method,
  // status and media type, and no field it does not declare. The last test insists that every
  // answer the document declares was given here, so a new route or status cannot go unchecked.

  type Method = 'get' | 'post' | 'patch' | 'delete';
  type Caller = UserName | 'anonymous';
  interface Sent {
    body?: unknown;
    ifMatch?: string;
    headers?: Record<string, string>;
    /** A `multipart/form-data` body: its fields, and a file in the field `file`. */
    upload?: { fields: Record<string, string>; bytes: Buffer; name: string };
  }
  type Versioned = { id: string; version: number };

  /** Signed-in users with one role each, and one with two. */
  const SIGNED_IN: UserName[] = ['admin', 'manager', 'approver', 'auditor', 'managerApprover'];
  /** Declared, but not reachable by a test that does not race two admins. */
  const OUT_OF_REACH: Record<string, string> = {
    'PATCH /api/users/{id} 412': 'another admin changed the user between the read and the write of this change',
  };

  const problems: string[] = [];
  beforeEach(() => problems.splice(0));
  const bodyOf = <T>(answer: Answer) => answer.body as T;

  /**
   * Sends a request as `caller` and expects `status`; the answer's problems with what the document
   * declares for `method path` (as the document writes the path) are gathered for `expectTrue`.
   */
  async function call(caller: Caller, method: Method, path: string, url: string, status: number, sent: Sent = {}): Promise<Answer> {
    let test = request(api.http)[method](url);
    if (caller !== 'anonymous') test = test.set('Authorization', `Bearer ${api.tokens[caller]}`);
    if (sent.ifMatch !== undefined) test = test.set('If-Match', sent.ifMatch);
    for (const [name, value] of Object.entries(sent.headers ?? {})) test = test.set(name, value);
    if (sent.body !== undefined) test = test.send(sent.body as object | string);
    for (const [name, value] of Object.entries(sent.upload?.fields ?? {})) test = test.field(name, value);
    if (sent.upload) test = test.attach('file', sent.upload.bytes, sent.upload.name);
    // The answer as text, whatever its media type (JSON is parsed below, where the media type says so).
    const response = await test.buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done(null, Buffer.concat(chunks).toString('utf8')));
    });
    const text = response.body as string;
    const json = /^application\/([\w.-]+\+)?json\b/i.test(String(response.headers['content-type'] ?? ''));
    const answer: Answer = { status: response.status, headers: response.headers, body: json && text !== '' ? JSON.parse(text) : text };
    const label = `${caller} ${method.toUpperCase()} ${url}`;
    expect({ request: label, status: answer.status, ...(answer.status === status ? {} : { body: answer.body }) }).toEqual({ request: label, status });
    problems.push(...answers.problems(method, path, answer));
    return answer;
  }

  /** Every answer so far was true to the document. */
  function expectTrue() {
    expect([...new Set(problems.splice(0))]).toEqual([]);
  }

  /** The users who get 2xx from a route, by its roles. */
  function allowedCallers(method: Method, path: string): UserName[] {
    const route = routes.find((r) => r.method === method && r.path === path);
    if (!route) throw new Error(`${method.toUpperCase()} ${path} is not a route`);
    return route.roles.length === 0 ? SIGNED_IN : SIGNED_IN.filter((user) => ROLE_USERS[user].some((role) => route.roles.includes(role)));
  }

  /** GETs `url` as every user allowed to read it (answers differ by caller: `availableEvents`); the first answer. */
  async function readAsEveryone(path: string, url: string): Promise<Answer> {
    const [first, ...others] = allowedCallers('get', path);
    const answer = await call(first, 'get', path, url, 200);
    for (const user of others) await call(user, 'get', path, url, 200);
    return answer;
  }

  /** The URL of a documented path with each parameter filled in. */
  const urlOf = (path: string, values: Record<string, string> = {}) => path.replace(/\{(\w+)\}/g, (_whole, name: string) => values[name] ?? randomUUID());

  it('answers every route as documented, as each role that may call it, a partnership life long', async () => {
    await call('anonymous', 'get', '/api/health', '/api/health', 200);
    await call('anonymous', 'get', '/api/health/live', '/api/health/live', 200);
    await call('anonymous', 'get', '/api/health/ready', '/api/health/ready', 200);
    await call('anonymous', 'post', '/api/auth/login', '/api/auth/login', 200, { body: { username: 'auditor', password: USER_PASSWORD } });
    for (const user of SIGNED_IN) await call(user, 'get', '/api/auth/me', '/api/auth/me', 200);
    expect(bodyOf<{ total: number }>(await readAsEveryone('/api/workflows', '/api/workflows')).total).toBeGreaterThanOrEqual(2);
    await readAsEveryone('/api/workflows/{id}', '/api/workflows/partnership-mou');
    await readAsEveryone('/api/workflows/{id}/versions/{version}', '/api/workflows/recurring-activity/versions/1');
    await call('admin', 'post', '/api/workflows/{id}/migrations', '/api/workflows/partnership-mou/migrations', 200, {
      body: { fromVersion: 1, toVersion: 2, dryRun: true },
    });

    // Organizations: one with the least it can have (and a contact whose title and email were sent as null), one with everything.
    const bare = bodyOf<Versioned>(
      await call('manager', 'post', '/api/organizations', '/api/organizations', 201, {
        body: { name: 'Sindh Police', kind: 'law_enforcement', country: 'PK', contacts: [{ name: 'Inspector General', title: null, email: null }] },
      }),
    );
    const org = bodyOf<Versioned>(
      await call('manager', 'post', '/api/organizations', '/api/organizations', 201, {
        body: organizationInput({
          website: 'https://www.bnu.edu.pk',
          contacts: [{ name: 'Dean of Social Sciences', title: 'Dean', email: 'dean@example.edu' }],
        }),
      }),
    );
    await call('manager', 'patch', '/api/organizations/{id}', `/api/organizations/${org.id}`, 200, { ifMatch: `"${org.version}"`, body: { city: null } });
    await readAsEveryone('/api/organizations/{id}', `/api/organizations/${bare.id}`);
    await readAsEveryone('/api/organizations', '/api/organizations?limit=5');
    // A centre within the university, and people: one with the least, one with everything (an organization with a parent, children and people).
    const centre = bodyOf<Versioned>(
      await call('manager', 'post', '/api/organizations', '/api/organizations', 201, {
        body: { name: 'Beaconhouse Centre for Policy Research', kind: 'think_tank', country: 'PK', parentId: org.id },
      }),
    );
    await call('manager', 'post', '/api/people', '/api/people', 201, { body: { name: 'Dr Kaleem', affiliations: [] } });
    const person = bodyOf<Versioned>(
      await call('manager', 'post', '/api/people', '/api/people', 201, {
        body: {
          name: 'Ambassador Mansoor Ahmad Khan',
          email: 'bcpr@example.org',
          phone: '+92 42 000 0000',
          notes: 'Met on the campus tour.',
          affiliations: [{ organizationId: centre.id, title: 'Director' }, { organizationId: org.id }],
        },
      }),
    );
    await call('manager', 'patch', '/api/people/{id}', `/api/people/${person.id}`, 200, { ifMatch: `"${person.version}"`, body: { phone: null } });
    await readAsEveryone('/api/people/{id}', `/api/people/${person.id}`);
    await readAsEveryone('/api/people', `/api/people?organizationId=${centre.id}&q=khan&limit=5`);
    await readAsEveryone('/api/organizations/{id}', `/api/organizations/${centre.id}`);
    await readAsEveryone('/api/organizations/{id}', `/api/organizations/${org.id}`);
    // A trip and a meeting of it, with everything an engagement names; then what was promised there, done, reopened and cancelled.
    const trip = bodyOf<Versioned>(
      await call('manager', 'post', '/api/engagements', '/api/engagements', 201, {
        body: { kind: 'trip', title: 'Field visit to Pakistan', startsOn: '2024-11-10', organizationIds: [org.id] },
      }),
    );
    const meeting = bodyOf<Versioned>(
      await call('manager', 'post', '/api/engagements', '/api/engagements', 201, {
        body: {
          kind: 'meeting',
          title: 'Meeting with Beaconhouse University',
          startsOn: '2024-11-15',
          endsOn: '2024-11-15',
          place: 'Lahore',
          organizationIds: [org.id, centre.id],
          attendeeIds: [person.id],
          staffIds: [api.ids.manager],
          notes: 'Agreed to examine a formal collaboration, underpinned by an MOU.',
          parentId: trip.id,
        },
      }),
    );
    await call('manager', 'patch', '/api/engagements/{id}', `/api/engagements/${meeting.id}`, 200, { ifMatch: `"${meeting.version}"`, body: { place: null } });
    const followUp = bodyOf<Versioned>(
      await call('manager', 'post', '/api/engagements/{id}/follow-ups', `/api/engagements/${meeting.id}/follow-ups`, 201, {
        body: { title: 'Draft the MOU', ownerId: api.ids.approver, dueOn: '2026-04-01', organizationId: org.id },
      }),
    );
    await call('manager', 'post', '/api/engagements/{id}/follow-ups', `/api/engagements/${meeting.id}/follow-ups`, 201, {
      body: { title: 'Brief the director', ownerId: api.ids.manager, dueOn: '2026-04-02' },
    });
    const followUpUrl = `/api/follow-ups/${followUp.id}`;
    let followUpVersion = followUp.version;
    const followUpEvent = async (user: UserName, body: object, query = '', headers: Record<string, string> = {}) => {
      const answer = await call(user, 'post', '/api/follow-ups/{id}/events', `${followUpUrl}/events${query}`, 200, {
        ifMatch: `"${followUpVersion}"`,
        body,
        headers,
      });
      if (!query) followUpVersion = bodyOf<Versioned>(answer).version;
      return answer;
    };
    await followUpEvent('approver', { type: 'COMPLETE' }, '?dryRun=true');
    await followUpEvent('approver', { type: 'COMPLETE', comment: 'Drafted.' });
    await followUpEvent('manager', { type: 'REOPEN' }, '', { Prefer: 'return=minimal' });
    await followUpEvent('approver', { type: 'CANCEL', comment: 'Not needed.' });
    await readAsEveryone('/api/follow-ups/{id}', followUpUrl);
    await readAsEveryone('/api/follow-ups', `/api/follow-ups?ownerId=${api.ids.approver}&state=cancelled&overdue=false&engagementId=${meeting.id}&limit=5`);
    // A proposal that grew out of the meeting's follow-up: it names both, and the meeting lists it.
    const grown = bodyOf<Versioned>(
      await call('manager', 'post', '/api/partnerships', '/api/partnerships', 201, {
        body: { title: 'MOU with Beaconhouse University', organizationId: org.id, originFollowUpId: followUp.id },
      }),
    );
    await readAsEveryone('/api/partnerships/{id}', `/api/partnerships/${grown.id}`);
    await readAsEveryone('/api/engagements/{id}', `/api/engagements/${meeting.id}`);
    await readAsEveryone('/api/organizations/{id}/timeline', `/api/organizations/${org.id}/timeline?limit=20`);
    await readAsEveryone('/api/engagements/{id}', `/api/engagements/${trip.id}`);
    await readAsEveryone('/api/engagements', `/api/engagements?organizationId=${org.id}&from=2024-11-01&to=2024-11-30&q=beaconhouse&limit=5`);

    // A proposal with nothing optional (summary, programme, focal point and notes are null).
    const plain = bodyOf<Versioned>(
      await call('manager', 'post', '/api/partnerships', '/api/partnerships', 201, { body: { title: 'Exchange of researchers', organizationId: bare.id } }),
    );
    await readAsEveryone('/api/partnerships/{id}', `/api/partnerships/${plain.id}`);

    // A partnership from proposal to an MOU in force: no submission, signatures, term, termination or fulfilment at first.
    const created = bodyOf<Versioned>(
      await call('manager', 'post', '/api/partnerships', '/api/partnerships', 201, {
        // startsOn given, sent as null, and left out.
        body: {
          ...partnershipInput(org.id, { requiredApprovals: 1 }),
          proposedActivities: [
            { kind: 'annual_lecture', title: 'Annual named lecture', recurrence: { frequency: 'yearly', month: 10, day: 15 }, startsOn: '2026-06-01' },
            { kind: 'research_visit', title: 'Research visit', recurrence: { frequency: 'yearly', month: 4 }, startsOn: null },
            { kind: 'course', title: 'Co-created course', recurrence: { frequency: 'once' } },
          ],
        },
      }),
    );
    const url = `/api/partnerships/${created.id}`;
    const proposal = await readAsEveryone('/api/partnerships/{id}', url);
    // The fields issue #15 found declared as objects and answered null.
    expect(proposal.body).toMatchObject({
      submittedBy: null,
      signatures: { partner: null, own: null },
      currentTerm: null,
      termination: null,
      fulfilment: null,
    });
    let version = bodyOf<Versioned>(
      await call('manager', 'patch', '/api/partnerships/{id}', url, 200, {
        ifMatch: `"${created.version}"`,
        body: { notes: 'Met the dean in March.', focalPoint: null },
      }),
    ).version;
    const event = async (user: UserName, body: object, headers: Record<string, string> = {}) => {
      const answer = await call(user, 'post', '/api/partnerships/{id}/events', `${url}/events`, 200, { ifMatch: `"${version}"`, body, headers });
      version = bodyOf<Versioned>(answer).version;
      return answer;
    };
    await call('manager', 'post', '/api/partnerships/{id}/events', `${url}/events?dryRun=true`, 200, {
      ifMatch: `"${version}"`,
      body: { type: 'SUBMIT_FOR_APPROVAL' },
    });
    await event('manager', { type: 'SUBMIT_FOR_APPROVAL' }, { Prefer: 'return=minimal' });
    // A delegation: the auditor's inbox lists what waits for approver2, for whom they decide today.
    const delegation = bodyOf<{ id: string }>(
      await call('approver2', 'post', '/api/delegations', '/api/delegations', 201, {
        body: { delegateId: api.ids.auditor, startsOn: '2026-03-02', endsOn: '2026-03-09', reason: 'Away.' },
      }),
    );
    await call('admin', 'post', '/api/delegations', '/api/delegations', 201, {
      body: { principalId: api.ids.approver2, delegateId: api.ids.manager, startsOn: '2026-04-01', endsOn: '2026-04-01' },
    });
    await readAsEveryone('/api/approvals/pending', '/api/approvals/pending');
    expect(
      bodyOf<{ items: Array<{ onBehalfOf: unknown }> }>(await call('auditor', 'get', '/api/approvals/pending', '/api/approvals/pending', 200)).items,
    ).toEqual([expect.objectContaining({ onBehalfOf: { id: api.ids.approver2, displayName: 'Test approver2' } })]);
    await readAsEveryone('/api/delegations', '/api/delegations');
    await readAsEveryone('/api/delegations', '/api/delegations?active=true&limit=5');
    await call('approver2', 'delete', '/api/delegations/{id}', `/api/delegations/${delegation.id}`, 200);
    // A refused attempt: the history shows it with its refusal.
    await call('auditor', 'post', '/api/partnerships/{id}/events', `${url}/events`, 403, { ifMatch: `"${version}"`, body: { type: 'APPROVE' } });
    const approved = bodyOf<Versioned>(await event('approver', { type: 'APPROVE' }, { 'Idempotency-Key': 'openapi-approve' }));
    // The same key and body again: the first answer, replayed.
    await call('approver', 'post', '/api/partnerships/{id}/events', `${url}/events`, 200, {
      ifMatch: `"${approved.version - 1}"`,
      body: { type: 'APPROVE' },
      headers: { 'Idempotency-Key': 'openapi-approve' },
    });
    await event('manager', {
      type: 'SHARE_DRAFT',
      data: { document: { name: 'MOU v1.docx', sha256: 'a'.repeat(64), url: 'https://files.example.org/mou-v1.docx' } },
    });
    await event('manager', { type: 'SHARE_DRAFT', data: { document: { name: 'MOU v2.docx', sha256: 'b'.repeat(64) } } });
    await event('manager', { type: 'AGREE_TEXT', data: { effectiveFrom: '2026-04-01', expiresOn: '2029-03-31' } });
    const halfSigned = await event('manager', { type: 'RECORD_SIGNATURE', data: { party: 'partner', signatory: 'Vice-Chancellor', signedOn: '2026-03-01' } });
    expect(halfSigned.body).toMatchObject({
      state: 'awaiting_signatures',
      signatures: { partner: expect.any(Object), own: null },
      currentTerm: { number: 1 },
      termination: null,
      fulfilment: { total: 0 },
    });
    await readAsEveryone('/api/partnerships/{id}', url);
    const inForce = await event('manager', { type: 'RECORD_SIGNATURE', data: { party: 'own', signatory: 'Executive Director', signedOn: '2026-03-02' } });
    expect(inForce.body).toMatchObject({ state: 'in_force.active', fulfilment: { termNumber: 1 } });

    // Its activities and their occurrences, driven through every event.
    const series = bodyOf<{ items: Array<{ occurrences: Versioned[] }> }>(await readAsEveryone('/api/partnerships/{id}/activities', `${url}/activities`));
    const added = await call('manager', 'post', '/api/partnerships/{id}/activities', `${url}/activities`, 201, {
      ifMatch: `"${version}"`,
      body: { kind: 'seminar', title: 'Seminar on illicit economies', recurrence: { frequency: 'once' }, startsOn: '2026-09-01' },
    });
    version += 1;
    expect(bodyOf<{ items: unknown[] }>(added).items).toHaveLength(series.items.length + 1);
    const [held, cancelled, planned] = series.items.flatMap((s) => s.occurrences);
    const occurrenceEvent = async (occurrence: Versioned, body: object, query = '', headers: Record<string, string> = {}) => {
      const answer = await call('manager', 'post', '/api/occurrences/{id}/events', `/api/occurrences/${occurrence.id}/events${query}`, 200, {
        ifMatch: `"${occurrence.version}"`,
        body,
        headers,
      });
      if (!query) occurrence.version = bodyOf<Versioned>(answer).version;
      return answer;
    };
    await occurrenceEvent(held, { type: 'SCHEDULE', data: { date: '2026-02-23', venue: 'Main hall' } });
    await occurrenceEvent(held, { type: 'POSTPONE', data: { date: '2026-03-02' } }, '?dryRun=true');
    await occurrenceEvent(held, { type: 'POSTPONE', data: { date: '2026-03-02' } }, '', { Prefer: 'return=minimal' });
    await occurrenceEvent(held, { type: 'MARK_HELD', data: { report: 'Held, with the dean.' } });
    await occurrenceEvent(cancelled, { type: 'SCHEDULE', data: { date: '2026-05-04' } });
    await occurrenceEvent(cancelled, { type: 'POSTPONE', data: { date: '2026-05-11' }, comment: 'Exams.' });
    const cancel = await occurrenceEvent(cancelled, { type: 'CANCEL', comment: 'Venue closed.' });
    expect(cancel.body).toMatchObject({ state: 'cancelled', postponements: [expect.any(Object)], cancellation: expect.any(Object) });
    for (const occurrence of [held, cancelled, planned]) await readAsEveryone('/api/occurrences/{id}', `/api/occurrences/${occurrence.id}`);
    expect(bodyOf<{ fulfilment: object }>(await readAsEveryone('/api/partnerships/{id}', url)).fulfilment).toMatchObject({ held: 1, cancelled: 1 });
    await readAsEveryone('/api/activities/upcoming', '/api/activities/upcoming?days=3650');

    // Sent back with a comment: a decision; then renewed, and one terminated.
    const second = bodyOf<Versioned>(await call('managerApprover', 'post', '/api/partnerships', '/api/partnerships', 201, { body: partnershipInput(org.id) }));
    await call('managerApprover', 'post', '/api/partnerships/{id}/events', `/api/partnerships/${second.id}/events`, 200, {
      ifMatch: `"${second.version}"`,
      body: { type: 'SUBMIT_FOR_APPROVAL' },
    });
    const sentBack = await call('approver', 'post', '/api/partnerships/{id}/events', `/api/partnerships/${second.id}/events`, 200, {
      ifMatch: `"${second.version + 1}"`,
      body: { type: 'REQUEST_CHANGES', comment: 'Add the outline.' },
    });
    expect(bodyOf<{ decisions: unknown[] }>(sentBack).decisions).toHaveLength(1);
    const renewalDue = await drivePartnership(api, org.id, 'in_force.renewal_due');
    const renewed = await call('approver', 'post', '/api/partnerships/{id}/events', `/api/partnerships/${renewalDue.id}/events`, 200, {
      ifMatch: `"${renewalDue.version}"`,
      body: { type: 'RENEW', data: { expiresOn: '2027-05-15' } },
    });
    expect(renewed.body).toMatchObject({ state: 'in_force.active', pastTerms: [expect.any(Object)], currentTerm: { number: 2, kind: 'renewed' } });
    const terminated = await event('approver', { type: 'TERMINATE', comment: 'The programme closed.' });
    expect(terminated.body).toMatchObject({ state: 'terminated', termination: { comment: 'The programme closed.' } });

    // Time passes: approvals fall overdue, an MOU expires and its occurrences are missed, by the system.
    const expiring = await drivePartnership(api, org.id, 'in_force.active', { term: SHORT_TERM });
    api.clock.set('2026-07-01T09:00:00.000Z');
    await api.get(TimersService).fireDue();
    expect(bodyOf<{ state: string }>(await readAsEveryone('/api/partnerships/{id}', `/api/partnerships/${expiring.id}`)).state).toBe('expired');
    await readAsEveryone('/api/partnerships/{id}/activities', `/api/partnerships/${expiring.id}/activities`);
    for (const id of [created.id, second.id, expiring.id, plain.id]) await readAsEveryone('/api/partnerships/{id}/history', `/api/partnerships/${id}/history`);
    for (const id of [created.id, expiring.id]) await readAsEveryone('/api/partnerships/{id}/replay', `/api/partnerships/${id}/replay`);
    await readAsEveryone('/api/partnerships', '/api/partnerships');
    const searched = await readAsEveryone('/api/partnerships', '/api/partnerships?q=annual%20lecture&limit=1');
    expect(searched.body).toMatchObject({ items: [expect.any(Object)], totalRelation: 'eq' });
    await readAsEveryone('/api/partnerships', '/api/partnerships?state=in_force&overdue=false');
    await readAsEveryone('/api/approvals/pending', '/api/approvals/pending');
    await readAsEveryone('/api/reports/pipeline', '/api/reports/pipeline');

    // Documents: a draft of the partnership, the same bytes again (kept once), listed, read and downloaded.
    const docx = readFileSync(new URL('./fixtures/mou-draft-1.docx', import.meta.url));
    const uploadOf = (fields: Record<string, string>): Sent => ({ upload: { fields, bytes: docx, name: 'MOU v1.docx' } });
    const draft = bodyOf<{ id: string }>(
      await call('manager', 'post', '/api/documents', '/api/documents', 201, uploadOf({ kind: 'mou_draft', partnershipId: created.id, title: 'First draft' })),
    );
    await call('managerApprover', 'post', '/api/documents', '/api/documents', 201, uploadOf({ kind: 'other' }));
    await readAsEveryone('/api/documents', `/api/documents?partnershipId=${created.id}&kind=mou_draft`);
    await readAsEveryone('/api/documents', '/api/documents?limit=5');
    await readAsEveryone('/api/documents/{id}', `/api/documents/${draft.id}`);
    await readAsEveryone('/api/documents/{id}/content', `/api/documents/${draft.id}/content`);
    const markdown = { fields: { kind: 'mou_draft' }, bytes: Buffer.from('A short draft.\n'), name: 'draft.md' };
    const note = bodyOf<{ id: string }>(await call('manager', 'post', '/api/documents', '/api/documents', 201, { upload: markdown }));
    await readAsEveryone('/api/documents/{id}/text', `/api/documents/${draft.id}/text`);
    await readAsEveryone('/api/documents/{id}/diff/{otherId}', `/api/documents/${draft.id}/diff/${note.id}`);

    // Imports: a dry run, the import itself, a malformed query, an invalid row and a file that cannot be read.
    const register = (text: string): Sent => ({ upload: { fields: {}, bytes: Buffer.from(text), name: 'register.csv' } });
    const imports: Array<[string, string, string]> = [
      ['organizations', 'name,kind,country\nImported Academy,university,Pakistan\n', 'name,kind,country\nImported Twice,poem,PK\n'],
      ['people', 'name,organization,title\nImported Lecturer,Imported Academy,Lecturer\n', 'name,organization\nNobody,No Such Organization\n'],
    ];
    for (const [kind, good, invalid] of imports) {
      const path = `/api/import/${kind}`;
      await call('manager', 'post', path, `${path}?dryRun=true`, 200, register(good));
      await call('managerApprover', 'post', path, path, 201, register(good));
      await call('manager', 'post', path, `${path}?dryRun=maybe`, 400, register(good));
      await call('manager', 'post', path, path, 422, register(invalid));
      await call('manager', 'post', path, path, 415, {
        upload: { fields: {}, bytes: readFileSync(new URL('./fixtures/mou-draft-1.docx', import.meta.url)), name: 'x.csv' },
      });
    }

    // Agreements signed before the system, imported by an admin.
    const agreements = '/api/import/agreements';
    const agreement = (term: string) =>
      register(
        `organization,title,effectiveFrom,expiresOn,signatories\nImported Academy,Imported MOU,${term},"partner: Dean, 2025-01-02; own: Director, 2025-01-03"\n`,
      );
    await call('admin', 'post', agreements, `${agreements}?dryRun=true`, 200, agreement('2025-01-05,2028-01-04'));
    await call('admin', 'post', agreements, agreements, 201, agreement('2025-01-05,2028-01-04'));
    await call('admin', 'post', agreements, `${agreements}?dryRun=maybe`, 400, agreement('2025-01-05,2028-01-04'));
    await call('admin', 'post', agreements, agreements, 422, agreement('2025-01-05,2025-06-30'));
    await call('admin', 'post', agreements, agreements, 415, {
      upload: { fields: {}, bytes: readFileSync(new URL('./fixtures/mou-draft-1.docx', import.meta.url)), name: 'x.csv' },
    });

    // Partner links: issued to an agreed text (with everything, and with nothing optional), listed, and what the partner does through one.
    const agreedMou = await agreeUploadedText(api, org.id, docx, 'MOU final.docx');
    const links = `/api/partnerships/${agreedMou.id}/partner-links`;
    const link = bodyOf<{ id: string; token: string }>(
      await call('manager', 'post', '/api/partnerships/{id}/partner-links', links, 201, {
        body: { name: 'Prof. Sara Malik', email: 'rector@example.edu', expiresInDays: 30 },
      }),
    );
    const plainLink = bodyOf<{ id: string; token: string }>(
      await call('managerApprover', 'post', '/api/partnerships/{id}/partner-links', links, 201, { body: { name: 'Rector', email: null, expiresInDays: null } }),
    );
    await readAsEveryone('/api/partner-links', `/api/partner-links?partnershipId=${agreedMou.id}`);
    await readAsEveryone('/api/partner-links', '/api/partner-links?limit=5');
    await call('anonymous', 'get', '/api/partner/{token}', `/api/partner/${link.token}`, 200);
    await call('anonymous', 'get', '/api/partner/{token}/document', `/api/partner/${link.token}/document`, 200);
    await call('anonymous', 'post', '/api/partner/{token}/comment', `/api/partner/${link.token}/comment`, 201, { body: { comment: 'Article 4 reads well.' } });
    await call('anonymous', 'post', '/api/partner/{token}/acknowledge', `/api/partner/${link.token}/acknowledge`, 201, {
      body: { name: 'Sara Malik', title: 'Rector' },
    });
    await call('manager', 'delete', '/api/partner-links/{id}', `/api/partner-links/${plainLink.id}`, 200);

    // The audit chain: rows of every kind, verified, exported line by line and as CSV.
    await readAsEveryone('/api/audit', '/api/audit?limit=200');
    await readAsEveryone('/api/audit', '/api/audit?outcome=denied');
    await readAsEveryone('/api/audit/verify', '/api/audit/verify');
    await readAsEveryone('/api/audit/export', '/api/audit/export?format=jsonl');
    await readAsEveryone('/api/audit/export', '/api/audit/export?format=csv');
    await readAsEveryone('/api/audit/checkpoints', '/api/audit/checkpoints');
    await call('anonymous', 'get', '/api/audit/public-key', '/api/audit/public-key', 200);

    // Calendar feeds: a token without a label and one with, the feed by bearer and by token, a revocation.
    const unlabelled = bodyOf<{ id: string; token: string }>(await call('auditor', 'post', '/api/calendar/tokens', '/api/calendar/tokens', 201, { body: {} }));
    await call('manager', 'post', '/api/calendar/tokens', '/api/calendar/tokens', 201, { body: { label: 'Phone' } });
    for (const user of SIGNED_IN) await call(user, 'get', '/api/calendar.ics', '/api/calendar.ics', 200);
    await call('anonymous', 'get', '/api/calendar.ics', `/api/calendar.ics?token=${unlabelled.token}`, 200);
    await call('auditor', 'delete', '/api/calendar/tokens/{id}', `/api/calendar/tokens/${unlabelled.id}`, 200);
    await readAsEveryone('/api/calendar/tokens', '/api/calendar/tokens');

    // Users, as admins manage them.
    const user = bodyOf<Versioned>(
      await call('admin', 'post', '/api/users', '/api/users', 201, {
        body: { username: 'openapi.reader', password: 'long enough password', roles: ['auditor'], email: 'reader@example.org' },
      }),
    );
    await call('admin', 'patch', '/api/users/{id}', `/api/users/${user.id}`, 200, { body: { active: false, displayName: 'A reader', email: null } });
    await readAsEveryone('/api/users/{id}', `/api/users/${user.id}`);
    await readAsEveryone('/api/users', '/api/users?limit=200');

    // One's own account; a password reset by an admin, then changed by its owner, which ends the session it was sent with.
    await readAsEveryone('/api/me', '/api/me');
    await call('auditor', 'patch', '/api/me', '/api/me', 200, { body: { displayName: 'Test auditor', email: 'auditor@example.org', emailMode: 'daily' } });
    const account = bodyOf<Versioned>(
      await call('admin', 'post', '/api/users', '/api/users', 201, { body: { username: 'openapi.account', password: USER_PASSWORD, roles: ['manager'] } }),
    );
    await call('admin', 'post', '/api/users/{id}/password', `/api/users/${account.id}/password`, 204, { body: { newPassword: 'a reset passphrase' } });
    const own = (await request(api.http).post('/api/auth/login').send({ username: 'openapi.account', password: 'a reset passphrase' }).expect(200)).body as {
      accessToken: string;
    };
    const ownPassword = { currentPassword: 'a reset passphrase', newPassword: 'a passphrase of my own' };
    await call('anonymous', 'post', '/api/me/password', '/api/me/password', 204, {
      headers: { Authorization: `Bearer ${own.accessToken}` },
      body: ownPassword,
    });

    // Notifications: everyone's own, one read, then all.
    await readAsEveryone('/api/notifications', '/api/notifications');
    const [notice] = bodyOf<{ items: Array<{ id: string }> }>(
      await call('approver', 'get', '/api/notifications', '/api/notifications?unread=true&limit=1', 200),
    ).items;
    await call('approver', 'post', '/api/notifications/{id}/read', `/api/notifications/${notice.id}/read`, 204);
    for (const user of SIGNED_IN) await call(user, 'post', '/api/notifications/read-all', '/api/notifications/read-all', 204);
    // Mail: this app has no SMTP_URL, so the one failed mail is written here; a retry puts it back in line.
    await insertFailedMail(api, notice.id, api.ids.approver);
    await readAsEveryone('/api/notifications/outbox', '/api/notifications/outbox?status=failed');
    await readAsEveryone('/api/notifications/outbox', '/api/notifications/outbox');
    await call('admin', 'post', '/api/notifications/outbox/{id}/retry', `/api/notifications/outbox/${notice.id}/retry`, 200);
    await call('admin', 'post', '/api/notifications/outbox/{id}/retry', `/api/notifications/outbox/${notice.id}/retry`, 409);

    // Signing out ends a session of its own, so the tokens the test uses stay valid.
    const session = (await request(api.http).post('/api/auth/login').send({ username: 'auditor', password: USER_PASSWORD }).expect(200)).body as {
      accessToken: string;
    };
    await call('anonymous', 'post', '/api/auth/logout', '/api/auth/logout', 200, { headers: { Authorization: `Bearer ${session.accessToken}` } });
    expectTrue();
  });

  it('answers every declared refusal as documented, in the one error shape', async () => {
    const org = (await api.as('manager').post('/api/organizations').send(organizationInput()).expect(201)).body as Versioned;
    const person = (
      await api
        .as('manager')
        .post('/api/people')
        .send({ name: 'Dr Kaleem', affiliations: [{ organizationId: org.id }] })
        .expect(201)
    ).body as Versioned;
    const engagement = (
      await api
        .as('manager')
        .post('/api/engagements')
        .send({ kind: 'meeting', title: 'Meeting', startsOn: '2024-11-15', organizationIds: [org.id] })
        .expect(201)
    ).body as Versioned;
    const followUp = (
      await api
        .as('manager')
        .post(`/api/engagements/${engagement.id}/follow-ups`)
        .send({ title: 'Draft the workplan', ownerId: api.ids.manager, dueOn: '2026-04-01' })
        .expect(201)
    ).body as Versioned;
    const followUpEvents = `/api/follow-ups/${followUp.id}/events`;
    const proposal = (await api.as('manager').post('/api/partnerships').send(partnershipInput(org.id)).expect(201)).body as Versioned;
    const inForce = await drivePartnership(api, org.id, 'in_force.active');
    const [occurrenceId] = await occurrenceIdsOf(api, inForce.id, 'planned');
    const occurrence = await driveOccurrence(api, occurrenceId, 'planned');
    const terminated = await drivePartnership(api, org.id, 'in_force.active');
    await sendEvent(api, 'approver', terminated.id, terminated.version, { type: 'TERMINATE', comment: 'Closed.' }).expect(200);
    const partnership = `/api/partnerships/${proposal.id}`;
    const occurrenceUrl = `/api/occurrences/${occurrence.id}/events`;
    const event = { type: 'SUBMIT_FOR_APPROVAL' };
    const series = { kind: 'seminar', title: 'Seminar', recurrence: { frequency: 'once' } };

    // 401 from every operation that takes a credential, when none is sent.
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        if (op.security?.length) await call('anonymous', method as Method, path, urlOf(path, { version: '1' }), 401);
      }
    }
    await call('anonymous', 'post', '/api/auth/login', '/api/auth/login', 401, { body: { username: 'auditor', password: 'not the password' } });

    // 403 from every operation limited to roles, as a user who holds none of them.
    for (const route of routes.filter((r) => r.roles.length > 0)) {
      const outsider = SIGNED_IN.find((user) => !ROLE_USERS[user].some((role) => route.roles.includes(role)));
      if (!outsider) throw new Error(`every test user may call ${route.method.toUpperCase()} ${route.path}`);
      await call(outsider, route.method as Method, route.path, urlOf(route.path), 403);
    }
    // Events are allowed per event: by role, and never to the submitter.
    await call('auditor', 'post', '/api/partnerships/{id}/events', `${partnership}/events`, 403, { ifMatch: `"${proposal.version}"`, body: event });
    await call('approver', 'post', '/api/occurrences/{id}/events', occurrenceUrl, 403, {
      ifMatch: `"${occurrence.version}"`,
      body: { type: 'SCHEDULE', data: { date: '2026-10-15' } },
    });

    await call('auditor', 'post', '/api/follow-ups/{id}/events', followUpEvents, 403, { ifMatch: `"${followUp.version}"`, body: { type: 'COMPLETE' } });

    // 400: malformed ids, bodies and queries.
    const notAnId = 'not-a-uuid';
    await call('auditor', 'get', '/api/audit', '/api/audit?outcome=bogus', 400);
    await call('auditor', 'get', '/api/audit/export', '/api/audit/export?format=xml', 400);
    await call('auditor', 'get', '/api/audit/checkpoints', '/api/audit/checkpoints?limit=0', 400);
    await call('approver', 'get', '/api/approvals/pending', '/api/approvals/pending?limit=0', 400);
    await call('auditor', 'get', '/api/calendar/tokens', '/api/calendar/tokens?limit=0', 400);
    await call('manager', 'post', '/api/organizations', '/api/organizations', 400, { body: {} });
    await call('auditor', 'get', '/api/organizations', '/api/organizations?limit=0', 400);
    await call('auditor', 'get', '/api/organizations/{id}', `/api/organizations/${notAnId}`, 400);
    await call('manager', 'patch', '/api/organizations/{id}', `/api/organizations/${org.id}`, 400, {
      ifMatch: `"${org.version}"`,
      body: { country: 'Pakistan' },
    });
    await call('manager', 'post', '/api/people', '/api/people', 400, { body: { name: '' } });
    await call('manager', 'post', '/api/engagements', '/api/engagements', 400, { body: { kind: 'party' } });
    await call('auditor', 'get', '/api/engagements', '/api/engagements?from=soon', 400);
    await call('auditor', 'get', '/api/engagements/{id}', `/api/engagements/${notAnId}`, 400);
    await call('auditor', 'get', '/api/organizations/{id}/timeline', `/api/organizations/${notAnId}/timeline`, 400);
    await call('manager', 'patch', '/api/engagements/{id}', `/api/engagements/${engagement.id}`, 400, {
      ifMatch: `"${engagement.version}"`,
      body: { organizationIds: [] },
    });
    await call('manager', 'post', '/api/engagements/{id}/follow-ups', `/api/engagements/${engagement.id}/follow-ups`, 400, { body: { title: 'x' } });
    await call('auditor', 'get', '/api/follow-ups', '/api/follow-ups?state=bogus', 400);
    await call('auditor', 'get', '/api/follow-ups/{id}', `/api/follow-ups/${notAnId}`, 400);
    await call('manager', 'post', '/api/follow-ups/{id}/events', followUpEvents, 400, { ifMatch: `"${followUp.version}"`, body: { type: 'complete' } });
    await call('auditor', 'get', '/api/people', '/api/people?organizationId=nobody', 400);
    await call('auditor', 'get', '/api/people/{id}', `/api/people/${notAnId}`, 400);
    await call('manager', 'patch', '/api/people/{id}', `/api/people/${person.id}`, 400, { ifMatch: `"${person.version}"`, body: { email: 'not an address' } });
    await call('auditor', 'get', '/api/partnerships/{id}/activities', `/api/partnerships/${notAnId}/activities`, 400);
    await call('manager', 'post', '/api/partnerships/{id}/activities', `${partnership}/activities`, 400, {
      ifMatch: `"${proposal.version}"`,
      body: { kind: 'party' },
    });
    await call('auditor', 'get', '/api/activities/upcoming', '/api/activities/upcoming?days=0', 400);
    await call('auditor', 'get', '/api/occurrences/{id}', `/api/occurrences/${notAnId}`, 400);
    await call('manager', 'post', '/api/occurrences/{id}/events', occurrenceUrl, 400, {
      ifMatch: `"${occurrence.version}"`,
      body: { type: 'SCHEDULE', data: { date: 'soon' } },
    });
    await call('manager', 'post', '/api/partnerships', '/api/partnerships', 400, { body: { title: '' } });
    await call('auditor', 'get', '/api/partnerships', '/api/partnerships?limit=abc', 400);
    const migrations = '/api/workflows/{id}/migrations';
    await call('admin', 'post', migrations, '/api/workflows/partnership-mou/migrations', 400, { body: { fromVersion: 1, toVersion: 2 } });
    await call('auditor', 'get', '/api/partnerships/{id}', `/api/partnerships/${notAnId}`, 400);
    await call('manager', 'patch', '/api/partnerships/{id}', partnership, 400, { ifMatch: `"${proposal.version}"`, body: { requiredApprovals: 0 } });
    await call('manager', 'post', '/api/partnerships/{id}/events', `${partnership}/events`, 400, {
      ifMatch: `"${proposal.version}"`,
      body: { type: 'submit' },
    });
    await call('auditor', 'get', '/api/partnerships/{id}/history', `/api/partnerships/${notAnId}/history`, 400);
    await call('auditor', 'get', '/api/partnerships/{id}/replay', `/api/partnerships/${notAnId}/replay`, 400);
    await call('admin', 'post', '/api/users', '/api/users', 400, { body: { username: 'x', password: 'short', roles: [] } });
    await call('admin', 'get', '/api/users', '/api/users?offset=-1', 400);
    await call('admin', 'get', '/api/users/{id}', `/api/users/${notAnId}`, 400);
    await call('admin', 'patch', '/api/users/{id}', `/api/users/${api.ids.auditor}`, 400, { body: { roles: ['owner'] } });
    await call('admin', 'post', '/api/users/{id}/password', `/api/users/${api.ids.auditor}/password`, 400, { body: { newPassword: 'short' } });
    await call('auditor', 'patch', '/api/me', '/api/me', 400, { body: { emailMode: 'weekly' } });
    await call('auditor', 'post', '/api/me/password', '/api/me/password', 400, { body: { currentPassword: USER_PASSWORD } });
    await call('anonymous', 'get', '/api/calendar.ics', '/api/calendar.ics?token=short', 400);
    await call('auditor', 'post', '/api/calendar/tokens', '/api/calendar/tokens', 400, { body: { label: '' } });
    await call('auditor', 'delete', '/api/calendar/tokens/{id}', `/api/calendar/tokens/${notAnId}`, 400);
    await call('anonymous', 'post', '/api/auth/login', '/api/auth/login', 400, { body: { username: 'auditor' } });
    await call('auditor', 'get', '/api/workflows/{id}/versions/{version}', '/api/workflows/partnership-mou/versions/first', 400);
    await call('auditor', 'get', '/api/notifications', '/api/notifications?unread=maybe', 400);
    await call('auditor', 'post', '/api/notifications/{id}/read', `/api/notifications/${notAnId}/read`, 400);
    await call('approver', 'post', '/api/delegations', '/api/delegations', 400, {
      body: { delegateId: api.ids.manager, startsOn: 'today', endsOn: '2026-03-09' },
    });
    await call('auditor', 'get', '/api/delegations', '/api/delegations?active=maybe', 400);
    await call('auditor', 'delete', '/api/delegations/{id}', `/api/delegations/${notAnId}`, 400);
    const note = { bytes: Buffer.from('A note.\n'), name: 'note.txt' };
    await call('manager', 'post', '/api/documents', '/api/documents', 400, { upload: { fields: { kind: 'poem' }, ...note } });
    await call('auditor', 'get', '/api/documents', '/api/documents?kind=poem', 400);
    await call('auditor', 'get', '/api/documents/{id}', `/api/documents/${notAnId}`, 400);
    await call('auditor', 'get', '/api/documents/{id}/content', `/api/documents/${notAnId}/content`, 400);
    await call('auditor', 'get', '/api/documents/{id}/text', `/api/documents/${notAnId}/text`, 400);
    await call('auditor', 'get', '/api/documents/{id}/diff/{otherId}', `/api/documents/${randomUUID()}/diff/${notAnId}`, 400);
    await call('admin', 'get', '/api/notifications/outbox', '/api/notifications/outbox?status=lost', 400);
    await call('admin', 'post', '/api/notifications/outbox/{id}/retry', `/api/notifications/outbox/${notAnId}/retry`, 400);
    const agreedMou = await agreeUploadedText(api, org.id, Buffer.from('The agreed text.\n'), 'mou.txt');
    const partnerLinks = `/api/partnerships/${agreedMou.id}/partner-links`;
    const link = (await api.as('manager').post(partnerLinks).send({ name: 'Rector' }).expect(201)).body as { id: string; token: string };
    await call('manager', 'post', '/api/partnerships/{id}/partner-links', partnerLinks, 400, { body: { name: 'Rector', expiresInDays: 61 } });
    await call('manager', 'post', '/api/partnerships/{id}/partner-links', `/api/partnerships/${notAnId}/partner-links`, 400, { body: { name: 'Rector' } });
    await call('auditor', 'get', '/api/partner-links', '/api/partner-links?partnershipId=someone', 400);
    await call('manager', 'delete', '/api/partner-links/{id}', `/api/partner-links/${notAnId}`, 400);
    await call('anonymous', 'post', '/api/partner/{token}/acknowledge', `/api/partner/${link.token}/acknowledge`, 400, { body: { name: 'Sara Malik' } });
    await call('anonymous', 'post', '/api/partner/{token}/comment', `/api/partner/${link.token}/comment`, 400, { body: { comment: '' } });

    // 404: ids of nothing.
    const nothing = randomUUID();
    await call('auditor', 'get', '/api/organizations/{id}', `/api/organizations/${nothing}`, 404);
    await call('manager', 'patch', '/api/organizations/{id}', `/api/organizations/${nothing}`, 404, { ifMatch: '"1"', body: { city: 'Karachi' } });
    await call('manager', 'post', '/api/organizations', '/api/organizations', 404, { body: organizationInput({ parentId: nothing }) });
    await call('manager', 'post', '/api/people', '/api/people', 404, { body: { name: 'Nobody', affiliations: [{ organizationId: nothing }] } });
    await call('auditor', 'get', '/api/people/{id}', `/api/people/${nothing}`, 404);
    await call('manager', 'post', '/api/engagements', '/api/engagements', 404, {
      body: { kind: 'call', title: 'x', startsOn: '2024-11-15', organizationIds: [nothing] },
    });
    await call('auditor', 'get', '/api/engagements/{id}', `/api/engagements/${nothing}`, 404);
    await call('auditor', 'get', '/api/organizations/{id}/timeline', `/api/organizations/${nothing}/timeline`, 404);
    await call('manager', 'patch', '/api/engagements/{id}', `/api/engagements/${nothing}`, 404, { ifMatch: '"1"', body: { notes: 'x' } });
    await call('manager', 'post', '/api/engagements/{id}/follow-ups', `/api/engagements/${nothing}/follow-ups`, 404, {
      body: { title: 'x', ownerId: api.ids.manager, dueOn: '2026-04-01' },
    });
    await call('auditor', 'get', '/api/follow-ups/{id}', `/api/follow-ups/${nothing}`, 404);
    await call('admin', 'post', '/api/workflows/{id}/migrations', '/api/workflows/partnership-mou/migrations', 404, {
      body: { fromVersion: 1, toVersion: 99, dryRun: true },
    });
    await call('manager', 'post', '/api/follow-ups/{id}/events', `/api/follow-ups/${nothing}/events`, 404, { ifMatch: '"1"', body: { type: 'COMPLETE' } });
    await call('manager', 'patch', '/api/people/{id}', `/api/people/${nothing}`, 404, { ifMatch: '"1"', body: { notes: 'x' } });
    await call('auditor', 'get', '/api/partnerships/{id}/activities', `/api/partnerships/${nothing}/activities`, 404);
    await call('manager', 'post', '/api/partnerships/{id}/activities', `/api/partnerships/${nothing}/activities`, 404, { ifMatch: '"1"', body: series });
    await call('auditor', 'get', '/api/occurrences/{id}', `/api/occurrences/${nothing}`, 404);
    await call('manager', 'post', '/api/occurrences/{id}/events', `/api/occurrences/${nothing}/events`, 404, {
      ifMatch: '"1"',
      body: { type: 'CANCEL', comment: 'No.' },
    });
    await call('manager', 'post', '/api/partnerships', '/api/partnerships', 404, { body: partnershipInput(nothing) });
    await call('auditor', 'get', '/api/partnerships/{id}', `/api/partnerships/${nothing}`, 404);
    await call('manager', 'patch', '/api/partnerships/{id}', `/api/partnerships/${nothing}`, 404, { ifMatch: '"1"', body: { notes: 'x' } });
    await call('manager', 'post', '/api/partnerships/{id}/events', `/api/partnerships/${nothing}/events`, 404, { ifMatch: '"1"', body: event });
    await call('auditor', 'get', '/api/partnerships/{id}/history', `/api/partnerships/${nothing}/history`, 404);
    await call('auditor', 'get', '/api/partnerships/{id}/replay', `/api/partnerships/${nothing}/replay`, 404);
    await call('admin', 'get', '/api/users/{id}', `/api/users/${nothing}`, 404);
    await call('admin', 'patch', '/api/users/{id}', `/api/users/${nothing}`, 404, { body: { active: true } });
    await call('admin', 'post', '/api/users/{id}/password', `/api/users/${nothing}/password`, 404, { body: { newPassword: 'a long enough password' } });
    await call('auditor', 'delete', '/api/calendar/tokens/{id}', `/api/calendar/tokens/${nothing}`, 404);
    await call('auditor', 'get', '/api/workflows/{id}', '/api/workflows/no-such-workflow', 404);
    await call('auditor', 'post', '/api/notifications/{id}/read', `/api/notifications/${nothing}/read`, 404);
    await call('auditor', 'delete', '/api/delegations/{id}', `/api/delegations/${nothing}`, 404);
    await call('manager', 'post', '/api/documents', '/api/documents', 404, { upload: { fields: { kind: 'other', partnershipId: nothing }, ...note } });
    await call('auditor', 'get', '/api/documents/{id}', `/api/documents/${nothing}`, 404);
    await call('auditor', 'get', '/api/documents/{id}/content', `/api/documents/${nothing}/content`, 404);
    await call('auditor', 'get', '/api/documents/{id}/text', `/api/documents/${nothing}/text`, 404);
    await call('auditor', 'get', '/api/documents/{id}/diff/{otherId}', `/api/documents/${nothing}/diff/${nothing}`, 404);
    await call('admin', 'post', '/api/notifications/outbox/{id}/retry', `/api/notifications/outbox/${nothing}/retry`, 404);
    await call('auditor', 'get', '/api/workflows/{id}/versions/{version}', '/api/workflows/partnership-mou/versions/99', 404);
    await call('manager', 'post', '/api/partnerships/{id}/partner-links', `/api/partnerships/${nothing}/partner-links`, 404, { body: { name: 'Rector' } });
    await call('manager', 'delete', '/api/partner-links/{id}', `/api/partner-links/${nothing}`, 404);
    for (const path of ['/api/partner/{token}', '/api/partner/{token}/document']) await call('anonymous', 'get', path, urlOf(path, { token: nothing }), 404);
    await call('anonymous', 'post', '/api/partner/{token}/acknowledge', `/api/partner/${nothing}/acknowledge`, 404, {
      body: { name: 'Sara Malik', title: 'Rector' },
    });
    await call('anonymous', 'post', '/api/partner/{token}/comment', `/api/partner/${nothing}/comment`, 404, { body: { comment: 'Hello.' } });

    // 409: not allowed in this state, or taken.
    await call('manager', 'post', '/api/follow-ups/{id}/events', followUpEvents, 409, { ifMatch: `"${followUp.version}"`, body: { type: 'REOPEN' } });
    await call('manager', 'post', '/api/partnerships/{id}/events', `${partnership}/events`, 409, {
      ifMatch: `"${proposal.version}"`,
      body: { type: 'RECORD_SIGNATURE' },
    });
    await call('manager', 'patch', '/api/partnerships/{id}', `/api/partnerships/${terminated.id}`, 409, {
      ifMatch: `"${terminated.version + 1}"`,
      body: { title: 'Renamed' },
    });
    await call('manager', 'post', '/api/partnerships/{id}/activities', `/api/partnerships/${terminated.id}/activities`, 409, {
      ifMatch: `"${terminated.version + 1}"`,
      body: series,
    });
    await call('manager', 'post', '/api/occurrences/{id}/events', occurrenceUrl, 409, {
      ifMatch: `"${occurrence.version}"`,
      body: { type: 'MARK_HELD', data: { report: 'Held.' } },
    });
    await call('admin', 'post', '/api/users', '/api/users', 409, { body: { username: 'auditor', password: 'long enough password', roles: ['auditor'] } });
    const today = api.clock.now().toISOString().slice(0, 10);
    const handedOver = { delegateId: api.ids.manager, startsOn: today, endsOn: today };
    const delegation = (await api.as('approver').post('/api/delegations').send(handedOver).expect(201)).body as { id: string };
    await call('approver', 'post', '/api/delegations', '/api/delegations', 409, { body: handedOver });
    await api.as('approver').delete(`/api/delegations/${delegation.id}`).expect(200);
    await call('approver', 'delete', '/api/delegations/{id}', `/api/delegations/${delegation.id}`, 409);
    await call('manager', 'post', '/api/partnerships/{id}/partner-links', `/api/partnerships/${proposal.id}/partner-links`, 409, { body: { name: 'Rector' } });
    const acknowledgement = { body: { name: 'Sara Malik', title: 'Rector' } };
    await request(api.http).post(`/api/partner/${link.token}/acknowledge`).send(acknowledgement.body).expect(201);
    await call('anonymous', 'post', '/api/partner/{token}/acknowledge', `/api/partner/${link.token}/acknowledge`, 409, acknowledgement);
    await api.as('manager').delete(`/api/partner-links/${link.id}`).expect(200);
    await call('manager', 'delete', '/api/partner-links/{id}', `/api/partner-links/${link.id}`, 409);

    // 412 and 428: a stale If-Match, and none.
    const stale = { ifMatch: '"99"' };
    await call('manager', 'patch', '/api/organizations/{id}', `/api/organizations/${org.id}`, 412, { ...stale, body: { city: 'Karachi' } });
    await call('manager', 'patch', '/api/people/{id}', `/api/people/${person.id}`, 412, { ...stale, body: { notes: 'x' } });
    await call('manager', 'patch', '/api/engagements/{id}', `/api/engagements/${engagement.id}`, 412, { ...stale, body: { notes: 'x' } });
    await call('manager', 'patch', '/api/engagements/{id}', `/api/engagements/${engagement.id}`, 428, { body: { notes: 'x' } });
    await call('manager', 'post', '/api/follow-ups/{id}/events', followUpEvents, 412, { ...stale, body: { type: 'COMPLETE' } });
    await call('manager', 'post', '/api/follow-ups/{id}/events', followUpEvents, 428, { body: { type: 'COMPLETE' } });
    await call('manager', 'patch', '/api/people/{id}', `/api/people/${person.id}`, 428, { body: { notes: 'x' } });
    await call('manager', 'patch', '/api/partnerships/{id}', partnership, 412, { ...stale, body: { notes: 'x' } });
    await call('manager', 'post', '/api/partnerships/{id}/activities', `${partnership}/activities`, 412, { ...stale, body: series });
    await call('manager', 'post', '/api/partnerships/{id}/events', `${partnership}/events`, 412, { ...stale, body: event });
    await call('manager', 'post', '/api/occurrences/{id}/events', occurrenceUrl, 412, { ...stale, body: { type: 'CANCEL', comment: 'No.' } });
    await call('manager', 'patch', '/api/organizations/{id}', `/api/organizations/${org.id}`, 428, { body: { city: 'Karachi' } });
    await call('manager', 'patch', '/api/partnerships/{id}', partnership, 428, { body: { notes: 'x' } });
    await call('manager', 'post', '/api/partnerships/{id}/activities', `${partnership}/activities`, 428, { body: series });
    await call('manager', 'post', '/api/partnerships/{id}/events', `${partnership}/events`, 428, { body: event });
    await call('manager', 'post', '/api/occurrences/{id}/events', occurrenceUrl, 428, { body: { type: 'CANCEL', comment: 'No.' } });

    // 422: a rule refuses, or a key is reused for another request.
    await call('manager', 'post', '/api/engagements', '/api/engagements', 422, {
      body: { kind: 'meeting', title: 'x', startsOn: '2024-11-15', endsOn: '2024-11-14', organizationIds: [org.id] },
    });
    await call('manager', 'patch', '/api/engagements/{id}', `/api/engagements/${engagement.id}`, 422, {
      ifMatch: `"${engagement.version}"`,
      body: { parentId: engagement.id },
    });
    await call('manager', 'post', '/api/follow-ups/{id}/events', followUpEvents, 422, { ifMatch: `"${followUp.version}"`, body: { type: 'CANCEL' } });
    await call('manager', 'patch', '/api/organizations/{id}', `/api/organizations/${org.id}`, 422, { ifMatch: `"${org.version}"`, body: { parentId: org.id } });
    await call('manager', 'post', '/api/occurrences/{id}/events', occurrenceUrl, 422, { ifMatch: `"${occurrence.version}"`, body: { type: 'CANCEL' } });
    await call('manager', 'post', '/api/partnerships/{id}/events', `${partnership}/events`, 200, {
      ifMatch: `"${proposal.version}"`,
      body: event,
      headers: { 'Idempotency-Key': 'openapi-refusals' },
    });
    await call('manager', 'post', '/api/partnerships/{id}/events', `${partnership}/events`, 422, {
      ifMatch: `"${proposal.version}"`,
      body: { type: 'WITHDRAW', comment: 'x' },
      headers: { 'Idempotency-Key': 'openapi-refusals' },
    });
    await call('admin', 'patch', '/api/users/{id}', `/api/users/${api.ids.admin}`, 422, { body: { active: false } });
    const png = { bytes: Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'), name: 'stamp.png' };
    const stamp = { upload: { fields: { kind: 'other' }, ...png } };
    const image = bodyOf<{ id: string }>(await call('manager', 'post', '/api/documents', '/api/documents', 201, stamp));
    await call('auditor', 'get', '/api/documents/{id}/text', `/api/documents/${image.id}/text`, 422);
    await call('auditor', 'get', '/api/documents/{id}/diff/{otherId}', `/api/documents/${image.id}/diff/${image.id}`, 422);
    await call('admin', 'post', '/api/users/{id}/password', `/api/users/${api.ids.admin}/password`, 422, { body: { newPassword: 'a long enough password' } });
    await call('approver', 'post', '/api/delegations', '/api/delegations', 422, { body: { ...handedOver, delegateId: api.ids.approver } });
    await call('auditor', 'post', '/api/me/password', '/api/me/password', 422, {
      body: { currentPassword: 'not my password', newPassword: 'a long enough password' },
    });

    // 413 and 415 from every operation that takes a body: too large, and in a charset JSON is never in.
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        if (!op.requestBody) continue;
        await call('anonymous', method as Method, path, urlOf(path), 413, {
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ text: 'x'.repeat(300_000) }),
        });
        await call('anonymous', method as Method, path, urlOf(path), 415, { headers: { 'Content-Type': 'application/json; charset=latin1' }, body: '{}' });
      }
    }
    expectTrue();
  });

  it('answers 503 from the health check when the database does not answer', async () => {
    jest.spyOn(api.get(DataSource), 'query').mockRejectedValueOnce(new Error('connection refused'));
    await call('anonymous', 'get', '/api/health', '/api/health', 503);
    expectTrue();
  });

  it('answers 503 from the readiness probe when a migration is pending', async () => {
    jest.spyOn(api.get(DataSource), 'showMigrations').mockResolvedValueOnce(true);
    await call('anonymous', 'get', '/api/health/ready', '/api/health/ready', 503);
    expectTrue();
  });

  it('answers 429 as documented once a user sends too many events, or an address too many wrong passwords', async () => {
    // Each request takes a point of the write limit before its If-Match is read (428); manager2 sends nothing else here.
    for (const path of ['/api/partnerships/{id}/events', '/api/occurrences/{id}/events', '/api/follow-ups/{id}/events']) {
      for (let sent = 0; sent <= WRITES_PER_MINUTE; sent += 50) {
        const statuses = await Promise.all(
          Array.from({ length: 50 }, () =>
            api
              .as('manager2')
              .post(urlOf(path))
              .send({ type: 'CANCEL' })
              .then((r) => r.status),
          ),
        );
        if (statuses.includes(429)) break;
      }
      await call('manager2', 'post', path, urlOf(path), 429, { body: { type: 'CANCEL' } });
    }
    let status = 0;
    for (let sent = 0; status !== 429 && sent <= LOGIN_LIMITS.account; sent += 1)
      status = (await request(api.http).post('/api/auth/login').send({ username: 'auditor', password: 'a wrong guess' })).status;
    await call('anonymous', 'post', '/api/auth/login', '/api/auth/login', 429, { body: { username: 'auditor', password: USER_PASSWORD } });
    // The partner's routes: an address that opened too many unknown links.
    status = 0;
    for (let sent = 0; status !== 429 && sent <= PARTNER_LINK_MISSES; sent += 1) status = (await request(api.http).get(`/api/partner/guess-${sent}`)).status;
    for (const path of ['/api/partner/{token}', '/api/partner/{token}/document']) await call('anonymous', 'get', path, urlOf(path), 429);
    await call('anonymous', 'post', '/api/partner/{token}/acknowledge', urlOf('/api/partner/{token}/acknowledge'), 429, {
      body: { name: 'Sara Malik', title: 'Rector' },
    });
    await call('anonymous', 'post', '/api/partner/{token}/comment', urlOf('/api/partner/{token}/comment'), 429, { body: { comment: 'Hello.' } });
    expectTrue();
  });

  it('gave and checked every answer the document declares, but those out of reach of a test', () => {
    const declared = answers.declared();
    expect(declared.filter((answer) => !answers.seen.has(answer) && !(answer in OUT_OF_REACH))).toEqual([]);
    // The list of exceptions stays true: each is still declared and was not reached after all.
    expect(Object.keys(OUT_OF_REACH).filter((answer) => !declared.includes(answer) || answers.seen.has(answer))).toEqual([]);
  });

  it('serves Swagger UI at /api/docs with every asset from this server, none from a CDN', async () => {
    const page = await request(api.http)
      .get('/api/docs')
      .expect(200)
      .expect('Content-Type', /text\/html/);
    const html = page.text;
    const scripts = [...html.matchAll(/<script\b([^>]*)>/gi)].map((m) => m[1]);
    // The CSP allows scripts from 'self' only, so an inline script would not run.
    expect(scripts.every((attributes) => /\bsrc=/.test(attributes))).toBe(true);
    const assets = [...html.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"/gi)].map((m) => m[1]);
    const scriptAssets = scripts.map((attributes) => /\bsrc="([^"]+)"/.exec(attributes)?.[1]);
    expect(scriptAssets.length).toBeGreaterThanOrEqual(2);
    expect(assets.filter((src) => /^(https?:)?\/\//i.test(src))).toEqual([]);
    expect(html).not.toMatch(/unpkg|jsdelivr|cdnjs|cdn\./i);
    for (const asset of assets) {
      const url = new URL(asset, 'http://localhost/api/docs');
      const fetched = await request(api.http).get(url.pathname).buffer(true).parse(binaryBody);
      expect({ asset: url.pathname, status: fetched.status, empty: (fetched.body as Buffer).length === 0 }).toEqual({
        asset: url.pathname,
        status: 200,
        empty: false,
      });
      if (url.pathname.endsWith('swagger-ui-init.js')) {
        const init = (fetched.body as Buffer).toString('utf8');
        expect(init).not.toMatch(/https?:\/\/(unpkg|cdn|cdnjs|fastly\.jsdelivr)/i);
      }
    }
  });
});
