import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MissingVariableError, UnknownVariableError, VariableTypeError } from '../../../src/core/errors.ts';
import { compileSections } from '../../../src/core/prompt.ts';
import { compileRenderer } from '../../../src/core/render-codegen.ts';
import { compileProgram, runProgram } from '../../../src/core/template.ts';
import type { TemplateValue } from '../../../src/core/variables.ts';
import { templateArb } from '../../fixtures/arbitraries.ts';

const NAMES = ['a', 'b', 'c'];
const valueArb: fc.Arbitrary<TemplateValue> = fc.oneof(
  fc.constantFrom(undefined, null, '', ' ', '\n', 'x \n', false, true, 0, 1.5),
  fc.string({ maxLength: 8 }),
);
const blocksArb = fc.array(templateArb(NAMES), { minLength: 1, maxLength: 4 });

/** The compiled renderer's text and blocks equal the interpreter's for these slot values. */
function expectSameAsInterpreter(
  program: Parameters<typeof runProgram>[0],
  values: Parameters<typeof runProgram>[1],
) {
  const slots = [...values];
  expect(compileRenderer(program, 'text')?.(slots)).toBe(runProgram(program, slots));
  const generated: string[] = [];
  const interpreted: string[] = [];
  compileRenderer(program, 'blocks')?.(slots, generated);
  runProgram(program, slots, interpreted);
  expect(generated).toEqual(interpreted);
}

describe('generated renderer', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('renders exactly what the interpreter renders, in text and block mode (differential property)', () => {
    fc.assert(
      fc.property(blocksArb, fc.tuple(valueArb, valueArb, valueArb), (texts, values) => {
        const program = compileProgram(
          texts.map((text) => ({ text })),
          NAMES,
        );
        expectSameAsInterpreter(program, values);
      }),
      { numRuns: 1000 },
    );
  });

  it('trims as the interpreter does where whitespace, blank lines and nested sections meet values (differential property)', () => {
    // Blocks ending in a value or a section, values ending or starting in whitespace, text that is all
    // whitespace: where the generated code decides at run time whether a block needs tidying.
    const space = fc.constantFrom(' ', '\n', '\t', '\n\n', ' \n', '\u00a0', '\r\n', '');
    const text = fc
      .array(fc.oneof(space, fc.constantFrom('x', 'Hi', '.', 'é')), { minLength: 1, maxLength: 5 })
      .map((parts) => parts.join(''));
    const name = fc.constantFrom(...NAMES);
    const { piece } = fc.letrec<{ piece: string }>((tie) => ({
      piece: fc.oneof(
        { depthSize: 'small' },
        text,
        name.map((n) => `{{${n}}}`),
        fc
          .tuple(fc.constantFrom('#', '^'), name, fc.array(tie('piece'), { maxLength: 3 }), fc.boolean())
          .map(([sigil, n, inner, alone]) =>
            alone
              ? `\n{{${sigil}${n}}}\n${inner.join('')}\n{{/${n}}}\n`
              : `{{${sigil}${n}}}${inner.join('')}{{/${n}}}`,
          ),
      ),
    }));
    const value: fc.Arbitrary<TemplateValue> = fc.oneof(
      fc.constantFrom(
        undefined,
        null,
        '',
        ' ',
        '\n',
        'x \n',
        '\n\nx',
        '  \ny',
        false,
        true,
        0,
        '\u00a0',
        'é',
      ),
      fc.string({ maxLength: 4 }),
    );
    const blocks = fc.array(
      fc.array(piece, { maxLength: 6 }).map((parts) => parts.join('')),
      { minLength: 1, maxLength: 4 },
    );
    fc.assert(
      fc.property(blocks, fc.tuple(value, value, value), (texts, values) => {
        const program = compileProgram(
          texts.map((text) => ({ text })),
          NAMES,
        );
        expectSameAsInterpreter(program, values);
      }),
      { numRuns: 1000 },
    );
  });

  it('never puts template text into code: quotes, backslashes and line separators stay text', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the template must hold a literal ${...}
    const text = 'He said "hi" \\ `tick` ${x} \u2028 \u2029 </script> {{a}}';
    const program = compileProgram([{ text }], ['a']);
    expect(compileRenderer(program)?.(['v'])).toBe(runProgram(program, ['v']));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the output must hold the literal ${...}
    expect(compileRenderer(program)?.(['v'])).toContain('He said "hi" \\ `tick` ${x}');
  });

  it('falls back to the interpreter where code generation is disallowed', () => {
    vi.stubGlobal(
      'Function',
      class {
        constructor() {
          throw new EvalError('Code generation from strings disallowed for this context');
        }
      },
    );
    const program = compileProgram([{ text: 'Hi {{a}}' }], ['a']);
    expect(compileRenderer(program)).toBeUndefined();
    const prompt = compileSections(
      'text',
      [{ name: 'instructions', content: 'Hi {{a}}{{#b}}, {{b}}{{/b}}' }],
      {
        a: { type: 'string', required: true },
        b: { type: 'integer', required: false },
      },
    );
    expect(prompt.render({ a: 'Ana', b: 3 })).toBe('Hi Ana, 3');
    expect(() => prompt.render({ b: 3 })).toThrow(MissingVariableError);
    expect(() => prompt.render({ a: 'Ana', c: 1 })).toThrow(UnknownVariableError);
    expect(() => prompt.render({ a: 'Ana', b: 'x' })).toThrow(VariableTypeError);
  });

  it('checks values the same way generated or interpreted: unknown names first, then types, then missing', () => {
    const sections = [{ name: 'instructions', content: '{{a}} {{b}}' }];
    const variables = {
      a: { type: 'string', required: true },
      b: { type: 'number', required: false },
    } as const;
    const generated = compileSections('text', sections, variables);
    vi.stubGlobal(
      'Function',
      class {
        constructor() {
          throw new EvalError('disallowed');
        }
      },
    );
    const interpreted = compileSections('text', sections, variables);
    vi.unstubAllGlobals();
    const cases: Record<string, TemplateValue>[] = [
      { a: 'x', b: 1 },
      { a: 'x', zzz: 1 },
      { b: 'not a number', zzz: 1 },
      { b: 'not a number' },
      { b: 2 },
      { a: 'x', b: undefined },
      { a: null, b: 1 },
      {},
    ];
    for (const values of cases) {
      const outcome = (render: () => unknown) => {
        try {
          return render();
        } catch (error) {
          return (error as Error).name;
        }
      };
      expect(outcome(() => generated.render(values))).toEqual(outcome(() => interpreted.render(values)));
    }
  });
});
