/** The preview's variables form: fields from the declared variables, values typed for render. */
import { describe, expect, it } from 'vitest';
import { formVariables, initialValues, variableFields } from '../../../console/src/logic/variable-form.ts';
import { parsePromptDocument } from '../../../src/core/document.ts';
import { compileSections } from '../../../src/core/prompt.ts';
import type { VariableSpecs } from '../../../src/core/variables.ts';

const specs: VariableSpecs = {
  tone: { type: 'string', required: false, default: 'friendly', description: 'How it sounds' },
  ticket: { type: 'string', required: true },
  max_words: { type: 'integer', required: false },
  temperature: { type: 'number', required: true },
  vip: { type: 'boolean', required: false, default: true },
};

describe('variableFields', () => {
  it('puts required variables first, picks a control per type and shows defaults as placeholders', () => {
    const fields = variableFields(specs);
    expect(fields.map((f) => [f.name, f.control, f.required])).toEqual([
      ['temperature', 'number', true],
      ['ticket', 'textarea', true],
      ['max_words', 'number', false],
      ['tone', 'textarea', false],
      ['vip', 'checkbox', false],
    ]);
    expect(fields.find((f) => f.name === 'tone')).toMatchObject({
      placeholder: 'friendly',
      description: 'How it sounds',
    });
    expect(initialValues(fields, specs)).toEqual({
      temperature: '',
      ticket: '',
      max_words: '',
      tone: '',
      vip: true,
    });
  });
});

describe('formVariables', () => {
  const fields = variableFields(specs);

  it('types numbers and booleans, and leaves empty optional fields out so their defaults apply', () => {
    const result = formVariables(fields, {
      temperature: '0.2',
      ticket: 'Where is my order?',
      max_words: '',
      tone: '',
      vip: false,
    });
    expect(result.errors).toEqual({});
    expect(result.values).toEqual({ temperature: 0.2, ticket: 'Where is my order?', vip: false });
  });

  it('names each field that cannot become a value', () => {
    const result = formVariables(fields, {
      temperature: 'warm',
      ticket: '  ',
      max_words: '2.5',
      tone: '',
      vip: true,
    });
    expect(result.errors).toEqual({
      temperature: 'temperature must be a number, not "warm"',
      ticket: 'ticket is required',
      max_words: 'max_words must be a whole number, not 2.5',
    });
    expect(result.values).toEqual({ vip: true });
  });

  it('gives render what it needs: the preview of a declared document', () => {
    const document = parsePromptDocument(`---
id: support-reply
variables:
  customer_name: { type: string, required: true }
  tone: { type: string, required: false, default: friendly }
---
## role
You help {{customer_name}}.
## instructions
Answer in a {{tone}} tone.
## output_format
Plain text.
`);
    const prompt = compileSections(document.kind, document.sections, document.variables);
    const form = variableFields(document.variables);
    const { values, errors } = formVariables(form, { customer_name: 'Ana', tone: '' });
    expect(errors).toEqual({});
    const text = prompt.render(values) as string;
    expect(text).toContain('You help Ana.');
    expect(text).toContain('Answer in a friendly tone.');
  });
});
