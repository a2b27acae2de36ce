import { ApiFailure, textOf, type ApiErrorItem } from '../api';

/** Field errors by field name, from a 400's `[{text, field}]`. */
export function fieldErrorsOf(error: unknown): Record<string, string> {
  if (!(error instanceof ApiFailure)) return {};
  const byField: Record<string, string> = {};
  for (const item of error.errors)
    if (typeof item !== 'string' && item.field) byField[item.field] ??= item.text;
  return byField;
}

/** The errors that belong to no field shown here (all of them when `fields` is empty). */
function generalErrors(error: unknown, fields: string[]): string[] {
  if (error instanceof ApiFailure)
    return error.errors
      .filter((item: ApiErrorItem) => typeof item === 'string' || !item.field || !fields.includes(item.field))
      .map(textOf);
  return error instanceof Error ? [error.message] : [];
}

/** A form's errors as the API sent them, announced to screen readers when they appear. */
export function FormErrors({ error, fields = [] }: { error: unknown; fields?: string[] }) {
  const texts = error ? generalErrors(error, fields) : [];
  return (
    <div role="alert" className="errors">
      {texts.map((text) => (
        <p key={text}>{text}</p>
      ))}
    </div>
  );
}
