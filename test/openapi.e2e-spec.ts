import { RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { ModulesContainer } from '@nestjs/core';
import { DECORATORS } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, ValidationTypes, validateSync } from 'class-validator';
import request from 'supertest';
import { IS_PUBLIC_KEY, ROLES_KEY } from '../src/auth/auth.decorators.js';
import { createApiApp, type ApiApp, type UserName } from './support/api.js';
import { organizationInput, partnershipInput } from './support/factories.js';

interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  nullable?: boolean;
  example?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
}

interface Operation {
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ in: string; name: string; required?: boolean; schema?: Schema }>;
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes?: Record<string, { type: string; scheme?: string }> };
}

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
  const join = (...parts: string[]) => '/' + parts.flatMap((p) => p.split('/')).filter(Boolean).join('/');
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
        const lookup = <T>(key: string): T | undefined => (Reflect.getMetadata(key, handler) as T | undefined) ?? (Reflect.getMetadata(key, controller) as T | undefined);
        // `@Body()` and `@Query()` are stored as `<RouteParamtypes>:<index>`; the index names the parameter's design type.
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<string, { index: number; data?: unknown }>;
        const paramTypes = (Reflect.getMetadata('design:paramtypes', controller.prototype, name) ?? []) as Type[];
        const whole = (kind: RouteParamtypes) =>
          Object.entries(args).find(([key, arg]) => key === `${kind}:${arg.index}` && arg.data === undefined)?.[1].index;
        const bodyIndex = whole(RouteParamtypes.BODY);
        const queryIndex = whole(RouteParamtypes.QUERY);
        for (const path of [paths].flat()) routes.push({
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

const FORMATS: Record<string, RegExp> = {
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
};

/**
 * A small, strict checker for the subset of OpenAPI 3.0 schemas @nestjs/swagger writes: a property
 * the document does not declare is an error too, so the response DTOs cannot fall behind the views.
 */
function schemaErrors(doc: OpenApiDocument, schema: Schema, value: unknown, at = '$'): string[] {
  if (schema.$ref) return schemaErrors(doc, doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')], value, at);
  if (value === null) return schema.nullable ? [] : [`${at} is null but not nullable`];
  if (schema.allOf) return schema.allOf.flatMap((part) => schemaErrors(doc, part, value, at));
  if (schema.oneOf) {
    const tries = schema.oneOf.map((part) => schemaErrors(doc, part, value, at));
    return tries.filter((errors) => errors.length === 0).length === 1 ? [] : [`${at} matches ${tries.filter((e) => e.length === 0).length} of oneOf: ${tries.flat().join('; ')}`];
  }
  if (schema.enum && !schema.enum.includes(value)) return [`${at} = ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`];
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return [`${at} should be a string`];
      return schema.format && FORMATS[schema.format] && !FORMATS[schema.format].test(value) ? [`${at} = ${value} is not a ${schema.format}`] : [];
    case 'number':
      return typeof value === 'number' ? [] : [`${at} should be a number`];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${at} should be an integer`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${at} should be a boolean`];
    case 'array':
      if (!Array.isArray(value)) return [`${at} should be an array`];
      return schema.items ? value.flatMap((item, i) => schemaErrors(doc, schema.items as Schema, item, `${at}[${i}]`)) : [];
  }
  if (schema.type === 'object' || schema.properties) {
    if (typeof value !== 'object' || Array.isArray(value)) return [`${at} should be an object`];
    const record = value as Record<string, unknown>;
    const properties = schema.properties ?? {};
    const errors = (schema.required ?? []).filter((key) => !(key in record)).map((key) => `${at}.${key} is required`);
    for (const [key, item] of Object.entries(record)) {
      if (properties[key]) errors.push(...schemaErrors(doc, properties[key], item, `${at}.${key}`));
      else if (!schema.additionalProperties) errors.push(`${at}.${key} is not in the document`);
    }
    return errors;
  }
  return [];
}

// ---------------------------------------------------------------------------------------------
// What a request DTO accepts, read from its class-validator metadata and found by validating with
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
/** Validators with no schema keyword checked here (`required` and `nullable` are checked by validating). */
const NO_KEYWORD = new Set(['arrayUnique', 'isArray', 'isDefined']);

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

function resolve(doc: OpenApiDocument, schema: Schema): Schema {
  const ref = schema.$ref ?? (schema.allOf?.length === 1 ? schema.allOf[0].$ref : undefined);
  return ref ? resolve(doc, doc.components.schemas[ref.replace('#/components/schemas/', '')] ?? {}) : schema;
}

/** How a property's schema differs from what its validators check. */
function propertyProblems(doc: OpenApiDocument, given: Schema, expected: Expected, at: string): string[] {
  if (expected.nested) return dtoSchemaProblems(doc, given, expected.nested, at);
  const schema = resolve(doc, given);
  const problems: string[] = [];
  if (expected.type === undefined) problems.push(`${at}: the DTO checks no type`);
  else if (schema.type !== expected.type) problems.push(`${at}: type ${schema.type} in the document, ${expected.type} in the DTO`);
  const documentedFormat = schema.format && Object.values(FORMAT_OF).includes(schema.format) ? schema.format : undefined;
  if (documentedFormat !== expected.format) problems.push(`${at}: format ${documentedFormat} in the document, ${expected.format} in the DTO`);
  const sorted = (values?: unknown[]) => (values ? [...values].map(String).sort().join('|') : undefined);
  if (sorted(schema.enum) !== sorted(expected.enum)) problems.push(`${at}: enum ${sorted(schema.enum)} in the document, ${sorted(expected.enum)} in the DTO`);
  for (const bound of BOUNDS) {
    if (schema[bound] !== expected.bounds[bound]) problems.push(`${at}: ${bound} ${schema[bound]} in the document, ${expected.bounds[bound]} in the DTO`);
  }
  if (expected.items) problems.push(...(schema.items ? propertyProblems(doc, schema.items, expected.items, `${at}[]`) : [`${at}: an array without items`]));
  return problems;
}

/** How an object schema differs from its DTO: properties, required, nullable, and each property's type, format, enum and bounds. */
function dtoSchemaProblems(doc: OpenApiDocument, given: Schema, dto: Type, at: string): string[] {
  const schema = resolve(doc, given);
  const validators = validatorsOf(dto);
  const properties = schema.properties ?? {};
  const problems: string[] = [];
  if (schema.type !== 'object') problems.push(`${at}: type ${schema.type}, not object, for ${dto.name}`);
  for (const name of validators.keys()) if (!properties[name]) problems.push(`${at}.${name}: accepted by ${dto.name}, not in the document`);
  for (const name of Object.keys(properties)) if (!validators.has(name)) problems.push(`${at}.${name}: in the document, refused by ${dto.name}`);
  const required = [...validators.keys()].filter((name) => errorsOn(dto, {}, name)).sort();
  if (required.join() !== [...(schema.required ?? [])].sort().join()) problems.push(`${at}: required [${schema.required ?? []}] in the document, [${required}] by ${dto.name}`);
  for (const [name, metas] of validators) {
    if (!properties[name]) continue;
    const acceptsNull = !errorsOn(dto, { [name]: null }, name);
    if (acceptsNull !== (properties[name].nullable === true)) problems.push(`${at}.${name}: nullable ${properties[name].nullable === true} in the document, ${acceptsNull} by ${dto.name}`);
    const { expected, unknown } = expectedOf(dto, name, metas);
    problems.push(...unknown.map((validator) => `${at}.${name}: no rule here for the validator ${validator}`));
    problems.push(...propertyProblems(doc, properties[name], expected, `${at}.${name}`));
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

/** Every operation that takes a body, with the properties and required fields its DTO has. */
const REQUEST_BODIES: Record<string, { properties: string[]; required: string[] }> = {
  'POST /api/auth/login': { properties: ['username', 'password'], required: ['username', 'password'] },
  'POST /api/organizations': { properties: ['name', 'kind', 'country', 'city', 'website', 'contacts'], required: ['name', 'kind', 'country'] },
  'PATCH /api/organizations/{id}': { properties: ['name', 'kind', 'country', 'city', 'website', 'contacts'], required: [] },
  'POST /api/partnerships': {
    properties: ['title', 'organizationId', 'summary', 'programme', 'focalPoint', 'notes', 'proposedActivities', 'requiredApprovals', 'approvalSlaDays'],
    required: ['title', 'organizationId'],
  },
  'PATCH /api/partnerships/{id}': {
    properties: ['title', 'organizationId', 'summary', 'programme', 'focalPoint', 'notes', 'proposedActivities', 'requiredApprovals', 'approvalSlaDays'],
    required: [],
  },
  'POST /api/partnerships/{id}/events': { properties: ['type', 'comment', 'data'], required: ['type'] },
  'POST /api/partnerships/{id}/activities': { properties: ['kind', 'title', 'recurrence', 'startsOn'], required: ['kind', 'title', 'recurrence'] },
  'POST /api/occurrences/{id}/events': { properties: ['type', 'comment', 'data'], required: ['type'] },
  'POST /api/calendar/tokens': { properties: ['label'], required: [] },
  'POST /api/users': { properties: ['username', 'password', 'displayName', 'roles'], required: ['username', 'password', 'roles'] },
  'PATCH /api/users/{id}': { properties: ['roles', 'active', 'displayName', 'password'], required: [] },
};

/** SPEC: changes to a partnership, an occurrence (and, here, an organization) carry If-Match. */
const NEEDS_IF_MATCH = [
  'PATCH /api/organizations/{id}',
  'PATCH /api/partnerships/{id}',
  'POST /api/partnerships/{id}/events',
  'POST /api/partnerships/{id}/activities',
  'POST /api/occurrences/{id}/events',
];

describe('the OpenAPI document', () => {
  let api: ApiApp;
  let doc: OpenApiDocument;
  /** The API's routes; the web pages are left out of the document on purpose. */
  let routes: AppRoute[];
  let pages: AppRoute[];

  beforeAll(async () => {
    api = await createApiApp();
    doc = (await request(api.http).get('/api/docs-json').expect(200)).body as OpenApiDocument;
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

  /** The body must match what the document promises for this route and status, strictly. */
  function expectDocumented(method: string, path: string, response: request.Response) {
    const schema = operation(method, path).responses[String(response.status)]?.content?.['application/json']?.schema;
    expect({ route: `${method.toUpperCase()} ${path} → ${response.status}`, hasSchema: schema !== undefined }).toEqual({
      route: `${method.toUpperCase()} ${path} → ${response.status}`,
      hasSchema: true,
    });
    expect(schemaErrors(doc, schema as Schema, response.body)).toEqual([]);
  }

  it('is served without a token, as OpenAPI 3 with bearer authentication', async () => {
    expect(doc.openapi).toMatch(/^3\./);
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
      if (!route.body) return body ? [`${label}: documents a body the handler does not take`] : [];
      const schema = body?.content?.['application/json']?.schema;
      if (!schema) return [`${label}: takes ${route.body.name} but documents no JSON body`];
      if (Object.keys(resolve(doc, schema).properties ?? {}).length === 0) return [`${label}: an empty schema for ${route.body.name}`];
      return dtoSchemaProblems(doc, schema, route.body, label);
    });
    expect(problems).toEqual([]);
  });

  it('lists the properties and required fields of each request body', () => {
    const withBody = routes.filter((r) => operation(r.method, r.path).requestBody).map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(withBody.sort()).toEqual(Object.keys(REQUEST_BODIES).sort());
    for (const [route, { properties, required }] of Object.entries(REQUEST_BODIES)) {
      const [method, path] = route.split(' ');
      const schema = resolve(doc, operation(method.toLowerCase(), path).requestBody?.content?.['application/json']?.schema ?? {});
      expect({ route, properties: Object.keys(schema.properties ?? {}).sort(), required: [...(schema.required ?? [])].sort() }).toEqual({
        route,
        properties: [...properties].sort(),
        required: [...required].sort(),
      });
    }
  });

  it('documents every query parameter its DTO accepts, and no other', () => {
    const problems = routes.flatMap((route) => {
      const documented = (operation(route.method, route.path).parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name).sort();
      const accepted = route.query ? [...validatorsOf(route.query).keys()].sort() : [];
      return documented.join() === accepted.join() ? [] : [`${route.method.toUpperCase()} ${route.path}: query [${documented}] in the document, [${accepted}] by ${route.query?.name ?? 'no DTO'}`];
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
          if ((parameter.required === true) !== required) found.push(`${at}: required ${parameter.required === true} in the document, ${required} by ${dto.name}`);
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
    const example = (method: string, path: string) => exampleOf(doc, operation(method, path).requestBody?.content?.['application/json']?.schema ?? {}) as Record<string, unknown> | undefined;
    for (const route of routes.filter((r) => r.body)) {
      const body = example(route.method, route.path);
      if (body === undefined) continue;
      const errors = validateSync(plainToInstance(route.body as Type, body) as object, { skipMissingProperties: true, whitelist: true, forbidNonWhitelisted: true });
      expect({ route: `${route.method.toUpperCase()} ${route.path}`, errors: errors.map((e) => e.toString()) }).toEqual({ route: `${route.method.toUpperCase()} ${route.path}`, errors: [] });
    }
    const organization = await api.as('manager').post('/api/organizations').send(example('post', '/api/organizations')).expect(201);
    expect(organization.body).toMatchObject({ name: 'Beaconhouse National University', country: 'PK', city: 'Lahore', contacts: [expect.objectContaining({ name: 'Mansoor Ahmad Khan' })] });
    const partnership = await api.as('manager').post('/api/partnerships').send({ ...example('post', '/api/partnerships'), organizationId: organization.body.id }).expect(201);
    expect(partnership.body.proposedActivities).toEqual([expect.objectContaining({ kind: 'annual_lecture', recurrence: { frequency: 'yearly', month: 10, day: 15 } })]);
    await api.as('manager').post(`/api/partnerships/${partnership.body.id}/activities`).set('If-Match', `"${partnership.body.version}"`).send(example('post', '/api/partnerships/{id}/activities')).expect(201);
    await api.as('manager').patch(`/api/organizations/${organization.body.id}`).set('If-Match', `"${organization.body.version}"`).send(example('patch', '/api/organizations/{id}')).expect(200);

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

  it('describes what the routes really answer, a whole partnership life long', async () => {
    const check = async (user: UserName | null, method: 'get' | 'post' | 'patch' | 'delete', url: string, docPath: string, body?: object, ifMatch?: string) => {
      let test = user ? api.as(user)[method](url) : request(api.http)[method](url);
      if (ifMatch) test = test.set('If-Match', ifMatch);
      const response = await (body ? test.send(body) : test);
      expect({ url, status: response.status }).toEqual({ url, status: expect.any(Number) });
      expect(response.status).toBeLessThan(300);
      expectDocumented(method, docPath, response);
      return response;
    };

    await check(null, 'get', '/api/health', '/api/health');
    await check(null, 'post', '/api/auth/login', '/api/auth/login', { username: 'auditor', password: 'correct horse battery' });
    await check('manager', 'get', '/api/auth/me', '/api/auth/me');
    const workflows = await check('auditor', 'get', '/api/workflows', '/api/workflows');
    await check('auditor', 'get', '/api/workflows/partnership-mou', '/api/workflows/{id}');
    await check('auditor', 'get', '/api/workflows/recurring-activity/versions/1', '/api/workflows/{id}/versions/{version}');
    expect(workflows.body.total).toBeGreaterThanOrEqual(2);

    const org = await check('manager', 'post', '/api/organizations', '/api/organizations', organizationInput({ website: 'https://www.bnu.edu.pk' }));
    await check('manager', 'patch', `/api/organizations/${org.body.id}`, '/api/organizations/{id}', { city: 'Lahore Cantt' }, '"1"');
    await check('approver', 'get', `/api/organizations/${org.body.id}`, '/api/organizations/{id}');
    await check('auditor', 'get', '/api/organizations?limit=5', '/api/organizations');

    const created = await check('manager', 'post', '/api/partnerships', '/api/partnerships', partnershipInput(org.body.id, { requiredApprovals: 1 }));
    const id = created.body.id as string;
    const events = `/api/partnerships/${id}/events`;
    const send = (user: UserName, version: number, body: object) => check(user, 'post', events, '/api/partnerships/{id}/events', body, `"${version}"`);
    await check('manager', 'patch', `/api/partnerships/${id}`, '/api/partnerships/{id}', { notes: 'Met the dean in March.' }, '"1"');
    await check('manager', 'post', `${events}?dryRun=true`, '/api/partnerships/{id}/events', { type: 'SUBMIT_FOR_APPROVAL' }, '"2"');
    await send('manager', 2, { type: 'SUBMIT_FOR_APPROVAL' });
    const inbox = await check('approver', 'get', '/api/approvals/pending', '/api/approvals/pending');
    expect(inbox.body.total).toBeGreaterThan(0);
    await send('approver', 3, { type: 'APPROVE' });
    await send('manager', 4, { type: 'SHARE_DRAFT', data: { document: { name: 'MOU v1.docx', sha256: 'a'.repeat(64), url: 'https://files.example.org/mou-v1.docx' } } });
    await send('manager', 5, { type: 'SHARE_DRAFT', data: { document: { name: 'MOU v2.docx', sha256: 'b'.repeat(64) } } });
    await send('manager', 6, { type: 'AGREE_TEXT', data: { effectiveFrom: '2026-04-01', expiresOn: '2029-03-31' } });
    await send('manager', 7, { type: 'RECORD_SIGNATURE', data: { party: 'partner', signatory: 'Vice-Chancellor', signedOn: '2026-03-01' } });
    const inForce = await send('manager', 8, { type: 'RECORD_SIGNATURE', data: { party: 'own', signatory: 'Executive Director', signedOn: '2026-03-02' } });
    expect(inForce.body).toMatchObject({ state: 'in_force.active', currentTerm: { number: 1 }, signatures: { partner: expect.any(Object), own: expect.any(Object) } });
    const terminated = await send('approver', 9, { type: 'TERMINATE', comment: 'The programme closed.' });
    expect(terminated.body.termination).toMatchObject({ comment: 'The programme closed.' });

    const second = await check('managerApprover', 'post', '/api/partnerships', '/api/partnerships', partnershipInput(org.body.id));
    await check('managerApprover', 'post', `/api/partnerships/${second.body.id}/events`, '/api/partnerships/{id}/events', { type: 'SUBMIT_FOR_APPROVAL' }, '"1"');
    const sentBack = await check('approver', 'post', `/api/partnerships/${second.body.id}/events`, '/api/partnerships/{id}/events', { type: 'REQUEST_CHANGES', comment: 'Add the outline.' }, '"2"');
    expect(sentBack.body.decisions).toHaveLength(1);
    await api.as('approver').post(`/api/partnerships/${second.body.id}/events`).set('If-Match', '"3"').send({ type: 'APPROVE' }).expect(409);

    await check('auditor', 'get', `/api/partnerships/${id}`, '/api/partnerships/{id}');
    await check('auditor', 'get', '/api/partnerships?state=terminated', '/api/partnerships');
    const searched = await check('auditor', 'get', '/api/partnerships?q=annual%20lecture&limit=1', '/api/partnerships');
    expect(searched.body).toMatchObject({ items: [expect.any(Object)], total: expect.any(Number), totalRelation: 'eq' });
    expect(searched.body.total).toBeGreaterThanOrEqual(2);
    await check('auditor', 'get', `/api/partnerships/${second.body.id}/history`, '/api/partnerships/{id}/history');
    await check('auditor', 'get', `/api/partnerships/${id}/history`, '/api/partnerships/{id}/history');
    await check('auditor', 'get', '/api/audit?limit=200', '/api/audit');
    await check('auditor', 'get', '/api/audit/verify', '/api/audit/verify');

    await check('manager', 'post', `/api/partnerships/${second.body.id}/activities`, '/api/partnerships/{id}/activities', { kind: 'training', title: 'Police training', recurrence: { frequency: 'yearly', month: 6 } }, '"3"');

    const live = await check('manager', 'post', '/api/partnerships', '/api/partnerships', partnershipInput(org.body.id));
    const liveEvents = `/api/partnerships/${live.body.id}/events`;
    const steps: object[] = [
      { type: 'SUBMIT_FOR_APPROVAL' },
      { type: 'APPROVE' },
      { type: 'SHARE_DRAFT', data: { document: { name: 'MOU.docx', sha256: 'c'.repeat(64) } } },
      { type: 'AGREE_TEXT', data: { effectiveFrom: '2026-03-01', expiresOn: '2029-02-28' } },
      { type: 'RECORD_SIGNATURE', data: { party: 'partner', signatory: 'Rector', signedOn: '2026-03-01' } },
      { type: 'RECORD_SIGNATURE', data: { party: 'own', signatory: 'Director', signedOn: '2026-03-02' } },
    ];
    for (const [i, body] of steps.entries()) await check(i === 1 ? 'approver' : 'manager', 'post', liveEvents, '/api/partnerships/{id}/events', body, `"${i + 1}"`);
    const series = await check('auditor', 'get', `/api/partnerships/${live.body.id}/activities`, '/api/partnerships/{id}/activities');
    const occurrences = (series.body.items as Array<{ occurrences: Array<{ id: string; version: number }> }>).flatMap((s) => s.occurrences);
    expect(occurrences.length).toBeGreaterThanOrEqual(2);
    const [first, other] = occurrences;
    const occurrenceEvent = (id: string, version: number, body: object) => check('manager', 'post', `/api/occurrences/${id}/events`, '/api/occurrences/{id}/events', body, `"${version}"`);
    await occurrenceEvent(first.id, first.version, { type: 'SCHEDULE', data: { date: '2026-03-02', venue: 'Main hall' } });
    await check('manager', 'post', `/api/occurrences/${first.id}/events?dryRun=true`, '/api/occurrences/{id}/events', { type: 'POSTPONE', data: { date: '2026-03-09' } }, `"${first.version + 1}"`);
    await occurrenceEvent(first.id, first.version + 1, { type: 'MARK_HELD', data: { report: 'Held.', attendance: 40 } });
    await occurrenceEvent(other.id, other.version, { type: 'SCHEDULE', data: { date: '2026-04-20' } });
    await occurrenceEvent(other.id, other.version + 1, { type: 'POSTPONE', data: { date: '2026-04-27' }, comment: 'Exams.' });
    const cancelled = await occurrenceEvent(other.id, other.version + 2, { type: 'CANCEL', comment: 'Venue closed.' });
    expect(cancelled.body).toMatchObject({ state: 'cancelled', postponements: [expect.any(Object)], cancellation: expect.any(Object) });
    await check('auditor', 'get', `/api/occurrences/${first.id}`, '/api/occurrences/{id}');
    await check('auditor', 'get', '/api/activities/upcoming?days=3650', '/api/activities/upcoming');
    const liveView = await check('auditor', 'get', `/api/partnerships/${live.body.id}`, '/api/partnerships/{id}');
    expect(liveView.body.fulfilment).toMatchObject({ held: 1, cancelled: 1 });
    await check('auditor', 'get', '/api/reports/pipeline', '/api/reports/pipeline');
    const token = await check('auditor', 'post', '/api/calendar/tokens', '/api/calendar/tokens', { label: 'Phone' });
    await check('auditor', 'get', '/api/calendar/tokens', '/api/calendar/tokens');
    await check('auditor', 'delete', `/api/calendar/tokens/${token.body.id}`, '/api/calendar/tokens/{id}');

    const user = await check('admin', 'post', '/api/users', '/api/users', { username: 'openapi.reader', password: 'long enough password', roles: ['auditor'] });
    await check('admin', 'get', `/api/users/${user.body.id}`, '/api/users/{id}');
    await check('admin', 'patch', `/api/users/${user.body.id}`, '/api/users/{id}', { active: false });
    await check('admin', 'get', '/api/users', '/api/users');
  });

  it('describes the audit export rows, line by line', async () => {
    const exported = await api.as('auditor').get('/api/audit/export?format=jsonl').buffer(true).parse((res, done) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      res.on('end', () => done(null, text));
    }).expect(200);
    const schema = operation('get', '/api/audit/export').responses['200'].content?.['application/x-ndjson']?.schema as Schema;
    const rows = (exported.body as string).trim().split('\n').map((line) => JSON.parse(line) as unknown);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.flatMap((row, i) => schemaErrors(doc, schema, row, `line ${i + 1}`))).toEqual([]);
  });

  it('documents the error answers as they are', async () => {
    const anonymous = await request(api.http).get('/api/partnerships').expect(401);
    expect(schemaErrors(doc, { $ref: '#/components/schemas/ErrorResponse' }, anonymous.body)).toEqual([]);
    const forbidden = await api.as('auditor').post('/api/organizations').send(organizationInput()).expect(403);
    expect(schemaErrors(doc, { $ref: '#/components/schemas/ErrorResponse' }, forbidden.body)).toEqual([]);
  });

  it('serves Swagger UI at /api/docs with every asset from this server, none from a CDN', async () => {
    const page = await request(api.http).get('/api/docs').expect(200).expect('Content-Type', /text\/html/);
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
      const fetched = await request(api.http).get(url.pathname).buffer(true).parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
      expect({ asset: url.pathname, status: fetched.status, empty: (fetched.body as Buffer).length === 0 }).toEqual({ asset: url.pathname, status: 200, empty: false });
      if (url.pathname.endsWith('swagger-ui-init.js')) {
        const init = (fetched.body as Buffer).toString('utf8');
        expect(init).not.toMatch(/https?:\/\/(unpkg|cdn|cdnjs|fastly\.jsdelivr)/i);
      }
    }
  });
});
