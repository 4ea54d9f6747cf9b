import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/**
 * Checks real answers against the OpenAPI 3.1 document the app serves, with Ajv (JSON Schema
 * 2020-12, OpenAPI 3.1's dialect) in strict mode, and records which answers of which operations a
 * test has seen, so that a test can insist that every documented answer was given and checked.
 */

export interface Schema {
  $ref?: string;
  type?: string | string[];
  format?: string;
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
  anyOf?: Schema[];
  oneOf?: Schema[];
}

export interface Operation {
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ in: string; name: string; required?: boolean; schema?: Schema }>;
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes?: Record<string, { type: string; scheme?: string }> };
}

/** An answer as the test received it: a JSON body parsed, any other body as text. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** `GET /api/partnerships/{id} 200`: one documented answer of one operation. */
export type AnswerKey = string;

/** Keywords of OpenAPI 3.1's Schema Object beyond JSON Schema 2020-12: annotations, nothing to check. */
const OPENAPI_KEYWORDS = ['example', 'discriminator', 'xml', 'externalDocs'];
/** OpenAPI's own formats that the document uses; a hint to a form, not a rule an answer breaks. */
const OPENAPI_FORMATS = ['password'];
/** Media types whose body is one JSON value per line, each checked against the schema. */
const JSON_SEQUENCES = new Set(['application/x-ndjson', 'application/jsonl']);

/** JSON Pointer escaping (RFC 6901) of one reference token. */
const pointer = (...tokens: string[]) => tokens.map((t) => t.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/**
 * The same schema with every object that lists its properties closed to others
 * (`unevaluatedProperties: false`), unless it says what else it allows: an answer field the
 * document does not declare is then an error, so the response DTOs cannot fall behind the views.
 */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (typeof schema !== 'object' || schema === null) return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' || key === 'schemas' || key === '$defs') {
      copy[key] = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([name, item]) => [name, closed(item)]));
    } else if (['items', 'additionalProperties', 'not', 'allOf', 'anyOf', 'oneOf', 'prefixItems'].includes(key)) copy[key] = closed(value);
    else copy[key] = value;
  }
  if (copy.properties && copy.additionalProperties === undefined && copy.unevaluatedProperties === undefined) copy.unevaluatedProperties = false;
  return copy;
}

/** The schema of every answer of every operation, by path, method, status and media type. */
function responseSchemas(doc: OpenApiDocument, close: boolean) {
  const paths: Record<string, Record<string, Record<string, Record<string, unknown>>>> = {};
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      for (const [status, answer] of Object.entries(operation.responses)) {
        const byMediaType = (((paths[path] ??= {})[method] ??= {})[status] ??= {});
        for (const [mediaType, media] of Object.entries(answer.content ?? {})) byMediaType[mediaType] = close ? closed(media.schema) : media.schema;
      }
    }
  }
  return paths;
}

function describeErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
}

/**
 * The fields an answer has and the closed document does not declare. Where an answer may be one of
 * several schemas (anyOf), each tried schema reports its own; the one that declares most of the
 * object is the one it is, so at each place only the shortest list counts.
 */
function undeclaredFields(errors: ErrorObject[] | null | undefined): string[] {
  const byPlace = new Map<string, Map<unknown, string[]>>();
  for (const error of errors ?? []) {
    if (error.keyword !== 'unevaluatedProperties') continue;
    if (!byPlace.has(error.instancePath)) byPlace.set(error.instancePath, new Map());
    const bySchema = byPlace.get(error.instancePath) as Map<unknown, string[]>;
    bySchema.set(error.parentSchema, [...(bySchema.get(error.parentSchema) ?? []), String(error.params.unevaluatedProperty)]);
  }
  return [...byPlace].flatMap(([at, bySchema]) => {
    const closest = [...bySchema.values()].reduce((shortest, fields) => (fields.length < shortest.length ? fields : shortest));
    return closest.map((field) => `${at}/${field}`);
  });
}

export class OpenApiAnswers {
  // verbose: each error carries the schema object it comes from (see undeclaredFields).
  private readonly ajv = new Ajv2020({ strict: true, allErrors: true, verbose: true });
  private readonly validators = new Map<string, ValidateFunction>();
  /** Every answer checked, by operation and status. */
  readonly seen = new Set<AnswerKey>();

  constructor(readonly doc: OpenApiDocument) {
    addFormats.default(this.ajv);
    for (const keyword of OPENAPI_KEYWORDS) this.ajv.addKeyword(keyword);
    for (const format of OPENAPI_FORMATS) this.ajv.addFormat(format, true);
    // The document as published, and the same with its objects closed; `#/components/schemas/…`
    // resolves inside each, and `responses` holds each answer's schema at `/{path}/{method}/{status}/{media type}`.
    this.ajv.addKeyword('components').addKeyword('responses');
    this.ajv.addSchema({ $id: 'published.json', components: doc.components, responses: responseSchemas(doc, false) });
    this.ajv.addSchema({ $id: 'closed.json', components: closed(doc.components), responses: responseSchemas(doc, true) });
  }

  /** Every answer the document declares, as `METHOD path status`. */
  declared(): AnswerKey[] {
    return Object.entries(this.doc.paths).flatMap(([path, operations]) =>
      Object.entries(operations).flatMap(([method, operation]) =>
        Object.keys(operation.responses).map((status) => `${method.toUpperCase()} ${path} ${status}`),
      ),
    );
  }

  private validator(id: string, path: string, method: string, status: string, mediaType: string): ValidateFunction {
    const ref = `${id}#/responses/${pointer(path, method, status, mediaType)}`;
    let validate = this.validators.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.validators.set(ref, validate);
    }
    return validate;
  }

  /**
   * What is wrong with this answer to `method path` (the path as the document writes it) against
   * the document: no answer declared for its status or media type, a body its schema refuses, or a
   * field it does not declare. Records the answer as seen.
   */
  problems(method: string, path: string, answer: Answer): string[] {
    const status = String(answer.status);
    const label = `${method.toUpperCase()} ${path} ${status}`;
    const operation = this.doc.paths[path]?.[method];
    if (!operation) return [`${method.toUpperCase()} ${path} is not in the document`];
    this.seen.add(label);
    const declared = operation.responses[status];
    if (!declared) return [`${label}: answered, but not declared`];
    const mediaType = String(answer.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    if (!mediaType) return declared.content ? [`${label}: declares ${Object.keys(declared.content).join(', ')} but answered no body`] : [];
    if (!declared.content?.[mediaType]?.schema) return [`${label}: answered ${mediaType}, for which it declares no schema`];
    const values = JSON_SEQUENCES.has(mediaType)
      ? String(answer.body)
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line) as unknown)
      : [answer.body];
    const problems: string[] = [];
    for (const [index, value] of values.entries()) {
      const at = JSON_SEQUENCES.has(mediaType) ? `${label} ${mediaType} line ${index + 1}` : `${label} ${mediaType}`;
      const published = this.validator('published.json', path, method, status, mediaType);
      if (!published(value)) {
        problems.push(...describeErrors(published.errors).map((error) => `${at}: ${error}`));
        continue;
      }
      const closedToOthers = this.validator('closed.json', path, method, status, mediaType);
      if (!closedToOthers(value)) problems.push(...undeclaredFields(closedToOthers.errors).map((field) => `${at}: ${field} is not in the document`));
    }
    return problems;
  }
}
