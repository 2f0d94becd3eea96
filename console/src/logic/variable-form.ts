/**
 * The preview's variables form: one field per declared variable (docs/console.md), built from the
 * version's front matter, and the form's text values turned into the typed values render takes, with
 * a message per field that cannot be (a required variable left empty, a number that is not one).
 */
import type { TemplateVariables, VariableSpecs, VariableType } from '../../../src/core/variables.ts';

export interface VariableField {
  readonly name: string;
  readonly type: VariableType;
  readonly required: boolean;
  readonly description?: string;
  /** The declared default, as the field shows it (placeholder). */
  readonly placeholder?: string;
  /** `checkbox` for booleans, `number` for numbers, `textarea` for strings. */
  readonly control: 'textarea' | 'number' | 'checkbox';
}

/** Field values as the form holds them: text, or `true`/`false` for a checkbox. */
export type FormValues = Readonly<Record<string, string | boolean>>;

export interface FormResult {
  /** What render takes; a field left empty is left out, so the declared default applies. */
  readonly values: TemplateVariables;
  /** Field name -> what is wrong with it. */
  readonly errors: Readonly<Record<string, string>>;
}

/** Required variables first, then by name: the ones a preview cannot do without are on top. */
export function variableFields(specs: VariableSpecs): VariableField[] {
  return Object.entries(specs)
    .map(([name, spec]): VariableField => {
      const type = spec.type ?? 'string';
      return {
        name,
        type,
        required: spec.required === true,
        ...(spec.description ? { description: spec.description } : {}),
        ...(spec.default !== undefined ? { placeholder: String(spec.default) } : {}),
        control: type === 'boolean' ? 'checkbox' : type === 'string' ? 'textarea' : 'number',
      };
    })
    .sort((a, b) => Number(b.required) - Number(a.required) || a.name.localeCompare(b.name));
}

/** The values a new form starts with: booleans at their default, everything else empty. */
export function initialValues(fields: readonly VariableField[], specs: VariableSpecs): FormValues {
  const values: Record<string, string | boolean> = {};
  for (const field of fields)
    values[field.name] = field.control === 'checkbox' ? specs[field.name]?.default === true : '';
  return values;
}

export function formVariables(fields: readonly VariableField[], form: FormValues): FormResult {
  const values: Record<string, string | number | boolean> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const raw = form[field.name];
    if (field.control === 'checkbox') {
      values[field.name] = raw === true;
      continue;
    }
    const text = typeof raw === 'string' ? raw : '';
    if (text.trim() === '') {
      if (field.required) errors[field.name] = `${field.name} is required`;
      continue;
    }
    if (field.type === 'string') {
      values[field.name] = text;
      continue;
    }
    const number = Number(text);
    if (!Number.isFinite(number)) errors[field.name] = `${field.name} must be a number, not "${text}"`;
    else if (field.type === 'integer' && !Number.isInteger(number))
      errors[field.name] = `${field.name} must be a whole number, not ${text}`;
    else values[field.name] = number;
  }
  return { values, errors };
}
