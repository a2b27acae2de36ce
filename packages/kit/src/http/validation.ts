import type { TObject, TSchema } from '@sinclair/typebox';
import { FormatRegistry } from '@sinclair/typebox';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import type { FieldError } from './errors.js';

/** The contract's validation messages (§2), word for word. */
export const messages = {
  empty: 'Поле не может быть пустым',
  email: 'Поле должно быть корректным email',
  positive: 'This value should be positive.',
  int: 'This value should be of type int.',
  string: 'This value should be of type string.',
  invalid: 'This value is not valid.',
  malformedJson: 'Malformed JSON.',
  object: 'This value should be of type object.',
  text: 'This value should not contain NUL characters or unpaired surrogates.',
  atMost: (limit: number) => `This value should be less than or equal to ${limit}.`,
  atLeast: (limit: number) => `This value should be greater than or equal to ${limit}.`,
  tooLong: (limit: number) => `This value is too long. It should have ${limit} characters or less.`,
  tooShort: (limit: number) => `This value is too short. It should have ${limit} characters or more.`,
};

/** The field every error about the body as a whole names. */
export const BODY_FIELD = 'body';

const label = '[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]{0,61}[\\p{L}\\p{N}])?';
const localPart = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*";
const emailPattern = new RegExp(`^${localPart}@${label}(?:\\.${label})+$`, 'u');

/** `local@domain`, the domain having at least one dot and labels of letters, digits and inner hyphens. */
export function isEmail(value: string): boolean {
  return value.length <= 254 && emailPattern.test(value);
}

FormatRegistry.Set('email', isEmail);

function isBlank(value: unknown): boolean {
  return value === null || (typeof value === 'string' && value.trim() === '');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// PostgreSQL cannot store U+0000, and a lone surrogate has no UTF-8 form (it would be stored as U+FFFD).
const unstorable = /[\0\p{Cs}]/u;

/** True when a string can be stored as it is: no NUL character, no unpaired UTF-16 surrogate. */
export function isStorableText(value: string): boolean {
  return !unstorable.test(value);
}

function messageFor(error: ValueError): string {
  const schema = error.schema as TSchema & Record<string, number | string | undefined>;
  switch (error.type) {
    case ValueErrorType.Integer:
    case ValueErrorType.Number:
      return messages.int;
    case ValueErrorType.String:
      return messages.string;
    case ValueErrorType.StringFormat:
      return schema.format === 'email' ? messages.email : messages.invalid;
    case ValueErrorType.StringMinLength:
      return Number(schema.minLength) > 1 ? messages.tooShort(Number(schema.minLength)) : messages.empty;
    case ValueErrorType.StringPattern:
      return messages.empty;
    case ValueErrorType.StringMaxLength:
      return messages.tooLong(Number(schema.maxLength));
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return schema.minimum === 1 ? messages.positive : messages.atLeast(Number(schema.minimum));
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      return messages.atMost(Number(schema.maximum));
    default:
      return messages.invalid;
  }
}

/**
 * Checks an object against a TypeBox object schema and returns one contract error per violating
 * field, in the schema's field order. A field that is present must not be blank (null, "" or
 * whitespace) nor hold text that cannot be stored (NUL, unpaired surrogates); a required field must
 * be present. No input at all counts as `{}`; any other input that is not an object (null, an
 * array, a number, a string, a boolean) is one error for the whole body.
 */
export function validateObject(schema: TObject, input: unknown): FieldError[] {
  if (input !== undefined && !isPlainObject(input)) return [{ field: BODY_FIELD, text: messages.object }];
  const body = input ?? {};
  const required = new Set(schema.required ?? []);
  const errors: FieldError[] = [];
  for (const [field, property] of Object.entries(schema.properties)) {
    const value = body[field];
    if (value === undefined) {
      if (required.has(field)) errors.push({ field, text: messages.empty });
      continue;
    }
    if (isBlank(value)) {
      errors.push({ field, text: messages.empty });
      continue;
    }
    if (typeof value === 'string' && !isStorableText(value)) {
      errors.push({ field, text: messages.text });
      continue;
    }
    const first = Value.Errors(property, value).First();
    if (first) errors.push({ field, text: messageFor(first) });
  }
  return errors;
}

/** The known fields of a valid object, so handlers never see fields the schema does not name. */
export function pickKnown<T extends TObject>(
  schema: T,
  input: Record<string, unknown>,
): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const field of Object.keys(schema.properties)) {
    if (input[field] !== undefined) picked[field] = input[field];
  }
  return picked;
}

/**
 * Path and query values arrive as strings: a string of digits becomes the integer the schema asks
 * for; anything else ("1.5", "1e3", "abc") stays a string and fails the check.
 */
export function convertIntegers(schema: TObject, input: unknown): Record<string, unknown> {
  const values: Record<string, unknown> = { ...(isPlainObject(input) ? input : {}) };
  for (const [field, property] of Object.entries(schema.properties)) {
    const value = values[field];
    if (property.type === 'integer' && typeof value === 'string' && /^-?[0-9]{1,15}$/.test(value)) {
      values[field] = Number(value);
    }
  }
  return values;
}
