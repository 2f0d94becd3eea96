import { VariableTypeError } from './variable-errors.ts';

export const VARIABLE_TYPES = ['string', 'number', 'integer', 'boolean'] as const;
export type VariableType = (typeof VARIABLE_TYPES)[number];

/** A declared prompt variable. A variable with a default is optional. */
export interface VariableSpec {
  readonly type: VariableType;
  readonly required: boolean;
  readonly default?: string | number | boolean;
  readonly description?: string;
}

export type VariableSpecs = Readonly<Record<string, VariableSpec>>;

/** A value passed to render. `null` and `undefined` mean "not given" (the default applies). */
export type TemplateValue = string | number | boolean | null | undefined;
export type TemplateVariables = Readonly<Record<string, TemplateValue>>;

/** Whether a value (not null) fits each type. Strings also accept numbers and booleans, which render as text. */
const FITS: Readonly<Record<VariableType, (value: unknown) => boolean>> = {
  string: (value) => ['string', 'number', 'boolean'].includes(typeof value),
  number: Number.isFinite,
  integer: Number.isInteger,
  boolean: (value) => typeof value === 'boolean',
};

export function isVariableType(value: unknown): value is VariableType {
  return typeof value === 'string' && Object.hasOwn(FITS, value);
}

/** True when `value` (not null) fits `type`. Strings also accept numbers and booleans, which render as text. */
export function valueFitsType(type: VariableType, value: unknown): boolean {
  return FITS[type](value);
}

export function assertValueType(name: string, type: VariableType, value: unknown): void {
  if (!valueFitsType(type, value))
    throw new VariableTypeError(name, type === 'integer' ? 'whole number' : type, value);
}
