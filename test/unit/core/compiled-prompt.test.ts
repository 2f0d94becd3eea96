/**
 * The client's compiler for bodies that parse (`compileValidPrompt`, with `compileValidBody`'s one
 * pass, no reporter) against the compiler that words errors: the same programs and prompts where a
 * body parses, and undefined exactly where that one throws. The client's prompts
 * render with the interpreter first; the other side renders with generated code, so the renders
 * compared are also the two renderers'.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { documentBody } from '../../../src/core/document.ts';
import { compilePromptWith, generatedRenderer } from '../../../src/core/prompt.ts';
import { parseBody, splitSections } from '../../../src/core/sections.ts';
import { compileProgram, parseTemplateTree, scanTemplate } from '../../../src/core/template-compiler.ts';
import { interpretPromptRenderer } from '../../../src/core/template-interpreter.ts';
import { compileValidBody, compileValidPrompt } from '../../../src/core/valid-body.ts';
import type { VariableSpecs } from '../../../src/core/variables.ts';
import { templatedDocumentArb, valuesFor, variablesArb } from '../../fixtures/arbitraries.ts';

/** Lines that make or break a body or a template: headings, fences, tags, stray braces. */
const pieceArb = fc.constantFrom(
  '## instructions',
  '## role',
  '## system',
  '## user',
  '## Bad Name',
  '##   context  ',
  '```',
  '~~~~',
  '   ```js',
  '',
  '  ',
  'text',
  '\r\n',
  '{{a}}',
  '{{ b }}',
  '{{#a}}',
  '{{^b}}',
  '{{/a}}',
  '{{/b}}',
  '  {{#a}}  ',
  '{{#constructor}}',
  '{{toString}}',
  '{{ {{a}}',
  'x {{#a}}y{{/a}} z',
  'Hello {{b}}!',
);

/** Mostly opened by a heading, so that many bodies parse and the rest fail in every way. */
const bodyArb = fc
  .tuple(
    fc.constantFrom('## instructions', '## system', '## role', ''),
    fc.array(pieceArb, { maxLength: 12 }),
  )
  .map(([heading, lines]) => [heading, ...lines].join('\n'));

function thrown(run: () => unknown): unknown {
  try {
    run();
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('compileValidPrompt', () => {
  it('compiles what compilePromptWith compiles, to the same renders (property)', () => {
    fc.assert(
      fc.property(
        templatedDocumentArb.chain((doc) => fc.tuple(fc.constant(doc), valuesFor(doc))),
        ([doc, values]) => {
          const input = { body: documentBody(doc), variables: doc.variables };
          const fast = compileValidPrompt(input, interpretPromptRenderer);
          const full = compilePromptWith(input, generatedRenderer);
          expect(fast).toBeDefined();
          expect(fast?.kind).toBe(full?.kind);
          expect(fast?.variableNames).toEqual(full?.variableNames);
          expect(fast?.render(values)).toEqual(full?.render(values));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is undefined exactly where compilePromptWith throws, and renders the same elsewhere (property)', () => {
    fc.assert(
      fc.property(bodyArb, variablesArb, (body, variables: VariableSpecs) => {
        const input = { body, variables };
        const fast = compileValidPrompt(input, interpretPromptRenderer);
        const error = thrown(() => compilePromptWith(input, generatedRenderer));
        expect(fast === undefined).toBe(error !== undefined);
        if (fast === undefined) return;
        const full = compilePromptWith(input, generatedRenderer);
        expect(fast.variableNames).toEqual(full?.variableNames);
        const values = Object.fromEntries(fast.variableNames.map((name) => [name, `<${name}>`]));
        const outcome = (prompt: typeof fast | undefined) => {
          try {
            return prompt?.render(values, { allowExtra: true });
          } catch (renderError) {
            return (renderError as Error).message;
          }
        };
        expect(outcome(fast)).toEqual(outcome(full));
      }),
      { numRuns: 1000 },
    );
  });

  it('splits sections as parseBody does, and refuses exactly what it rejects (property)', () => {
    fc.assert(
      fc.property(bodyArb, fc.integer({ min: 1, max: 20 }), (body, firstLine) => {
        const error = thrown(() => parseBody(body, firstLine));
        const split = splitSections(body, firstLine);
        expect(split === undefined).toBe(error !== undefined);
        if (split !== undefined) expect(split).toEqual(parseBody(body, firstLine));
      }),
      { numRuns: 1000 },
    );
  });

  it('compiles in one pass the program parseBody and compileProgram compile, and refuses exactly what they reject (property)', () => {
    fc.assert(
      fc.property(bodyArb, fc.subarray(['b', 'z', 'a']), (body, knownSlots) => {
        const valid = compileValidBody(body, knownSlots);
        let full: { kind: string; names: string[]; program: ReturnType<typeof compileProgram> } | undefined;
        const error = thrown(() => {
          const parsed = parseBody(body);
          full = {
            kind: parsed.kind,
            names: parsed.sections.map((s) => s.name),
            program: compileProgram(
              parsed.sections.map((s) => ({ text: s.content })),
              knownSlots,
            ),
          };
        });
        expect(valid === undefined).toBe(error !== undefined);
        if (valid !== undefined) expect(valid).toEqual(full);
      }),
      { numRuns: 2000 },
    );
  });

  it('parses templates as scanTemplate does, and refuses exactly what it finds errors in (property)', () => {
    fc.assert(
      fc.property(bodyArb, (text) => {
        const scan = scanTemplate(text);
        const tree = parseTemplateTree(text);
        expect(tree === undefined).toBe(scan.errors.length > 0);
        if (tree !== undefined) expect(tree).toEqual(scan.nodes);
      }),
      { numRuns: 1000 },
    );
  });

  it('meets both outcomes often (the properties have teeth)', () => {
    const bodies = fc.sample(bodyArb, 500);
    const compiled = bodies.filter(
      (body) => compileValidPrompt({ body, variables: {} }, interpretPromptRenderer) !== undefined,
    );
    expect(compiled.length).toBeGreaterThan(50);
    expect(compiled.length).toBeLessThan(475);
    const trees = bodies.filter((text) => parseTemplateTree(text) !== undefined);
    expect(trees.length).toBeGreaterThan(50);
    expect(trees.length).toBeLessThan(475);
  });
});
