import * as v from 'valibot';
import { type FieldError, ValidationError } from '../../src/core/errors.ts';

/** Parses `input` with a valibot schema; every problem becomes a field error `{path, message}`. */
export function parseInput<const TSchema extends v.GenericSchema>(
  schema: TSchema,
  input: unknown,
  what = 'request body',
): v.InferOutput<TSchema> {
  const result = v.safeParse(schema, input, { abortEarly: false });
  if (result.success) return result.output;
  const errors: FieldError[] = result.issues.map((issue) => ({
    path: v.getDotPath(issue) ?? '',
    message: issue.message,
  }));
  const shown = errors
    .slice(0, 3)
    .map((e) => (e.path ? `${e.path}: ${e.message}` : e.message))
    .join('; ');
  throw new ValidationError(
    `Invalid ${what}: ${shown}${errors.length > 3 ? ` (and ${errors.length - 3} more)` : ''}`,
    errors,
  );
}
