import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsOptional, ValidateNested } from 'class-validator';

/** A class an event's `data` (or an object inside it) is validated as. */
export type DataClass = new () => object;

/** How a form asks for a value: the kind of input element, and the checks it makes in the browser. */
export type InputKind = 'text' | 'textarea' | 'date' | 'url' | 'party' | 'number' | 'file';

/** How the web's event form asks for a field, and how a refusal names it when it is missing. */
export interface FieldForm {
  label: string;
  input: InputKind;
  hint?: string;
  /** The field in a sentence: "Fill in the expiry date." */
  words: string;
  /** A file input (`input: 'file'`): the page uploads the file as a document of this kind of the partnership, and sends its id as the field's value. */
  upload?: {
    kind: 'mou_draft' | 'signed_mou';
    /** The form needs a file even where the API takes the field as optional (it has another way in: SHARE_DRAFT's `document`). */
    required: boolean;
  };
}

export interface EventFieldOptions {
  /** The workflow refuses the event without it (the definitions' `meta.requires`); otherwise it may be left out. */
  required: boolean;
  /** What OpenAPI says of it besides whether it is required and may be null (an optional field may). */
  api?: ApiPropertyOptions;
  /** How a form asks for it; none for a field no form shows, or an object whose own fields are asked for. */
  form?: FieldForm;
  /** How a refusal names it when no form asks for it. */
  words?: string;
  /** The class of an object field, whose own fields are documented, validated and asked for in turn. */
  nested?: () => DataClass;
  /**
   * A sibling field from which the service fills this one in before the workflow reads it (`documentId` for `document`): the workflow still needs this
   * one, but a client may send the sibling instead, so OpenAPI shows it as optional.
   */
  filledFrom?: string;
}

/** A leaf field of an event's data at its path in the event (`data.document.name`): required when it and every object around it are. */
export interface DataField {
  path: string;
  required: boolean;
  form?: FieldForm;
  words?: string;
  /** The sibling field (its path) the service fills this one in from, when the field or an object around it is filled that way. */
  filledFrom?: string;
}

const declared = new Map<DataClass, Array<EventFieldOptions & { property: string }>>();

/**
 * A field of an event's data, stated once: whether it is required, what OpenAPI documents, how a
 * form asks for it. The class-validator decorators beside it check its value. A missing field is
 * left for the workflow to refuse (422), so an optional one is only marked `@IsOptional()` here,
 * which lets null through as well.
 */
export function EventField(options: EventFieldOptions): PropertyDecorator {
  return (prototype, property) => {
    const owner = prototype.constructor as DataClass;
    declared.set(owner, [...(declared.get(owner) ?? []), { ...options, property: String(property) }]);
    const api: ApiPropertyOptions = options.nested ? { type: options.nested() } : (options.api ?? {});
    if (options.filledFrom)
      ApiPropertyOptional({ ...api, description: `Leave it out when you name ${options.filledFrom}: the server fills it in.` })(prototype, property);
    else (options.required ? ApiProperty(api) : ApiPropertyOptional({ ...api, nullable: true }))(prototype, property);
    if (!options.required) IsOptional()(prototype, property);
    if (options.nested) {
      ValidateNested()(prototype, property);
      Type(options.nested)(prototype, property);
    }
  };
}

/** The fields `shape` declares, those of the classes it extends first. */
function declaredOn(shape: DataClass): Array<EventFieldOptions & { property: string }> {
  const parent = Object.getPrototypeOf(shape) as DataClass | null;
  return [...(parent && parent !== Function.prototype ? declaredOn(parent) : []), ...(declared.get(shape) ?? [])];
}

/** The leaf fields of `shape`, in the order the class declares them, at their paths under `prefix`. */
export function dataFields(shape: DataClass, prefix = 'data', required = true, filledFrom?: string): DataField[] {
  return declaredOn(shape).flatMap(({ property, nested, form, words, ...field }) => {
    const path = `${prefix}.${property}`;
    const from = filledFrom ?? (field.filledFrom ? `${prefix}.${field.filledFrom}` : undefined);
    if (nested) return dataFields(nested(), path, required && field.required, from);
    const named = form?.words ?? words;
    return [
      { path, required: required && field.required, ...(form ? { form } : {}), ...(named ? { words: named } : {}), ...(from ? { filledFrom: from } : {}) },
    ];
  });
}

/** `{document: {name, sha256, url?}}`: the shape of `shape` in a line, `?` marking what may be left out. */
export function shapeWords(shape: DataClass): string {
  const fields = declaredOn(shape).map(({ property, required, nested, filledFrom }) => {
    const name = required && !filledFrom ? property : `${property}?`;
    return nested ? `${name}: ${shapeWords(nested())}` : name;
  });
  return `{${fields.join(', ')}}`;
}
