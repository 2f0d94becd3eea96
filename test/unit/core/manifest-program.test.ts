/**
 * The program a manifest carries beside an inline body (docs/architecture.md, "The client's bundle"):
 * what deploy writes (`manifestProgramOf`) renders exactly as the body compiled by the client would,
 * after a trip through JSON; and what the client accepts (`programOf`) is safe to run whatever the
 * manifest says: no loop, no read past its tables, nothing but integers in instructions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compiledPrompt } from '../../../src/core/compiled-prompt.ts';
import { documentBody } from '../../../src/core/document.ts';
import { type ManifestProgram, programOf } from '../../../src/core/manifest-program.ts';
import { compileRenderer } from '../../../src/core/render-codegen.ts';
import { interpretPromptRenderer, runProgram } from '../../../src/core/template-interpreter.ts';
import { compileValidPrompt, manifestProgramOf } from '../../../src/core/valid-body.ts';
import { templatedDocumentArb, valuesFor } from '../../fixtures/arbitraries.ts';

const TEXT = 0;
const VAR = 1;
const SECTION = 2;
const INVERTED = 3;
const BLOCK = 4;

/** Through JSON, as a manifest carries it. */
const carried = (program: ManifestProgram | undefined): unknown => JSON.parse(JSON.stringify(program));

function outcome(run: () => unknown): unknown {
  try {
    return run();
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

describe('manifestProgramOf and programOf', () => {
  it('a carried program renders what the body compiled by the client renders, errors included (property)', () => {
    fc.assert(
      fc.property(
        templatedDocumentArb.chain((doc) =>
          fc.tuple(fc.constant(doc), valuesFor(doc), fc.dictionary(fc.constantFrom('zz', 'q'), fc.string())),
        ),
        ([doc, values, extra]) => {
          const body = documentBody(doc);
          const input = { body, variables: doc.variables };
          const fromBody = compileValidPrompt(input, interpretPromptRenderer);
          const accepted = programOf(
            carried(manifestProgramOf(body, Object.keys(doc.variables))),
            doc.kind === 'chat',
          );
          expect(fromBody).toBeDefined();
          expect(accepted).toBeDefined();
          if (!fromBody || !accepted) return;
          const fromManifest = compiledPrompt(
            doc.kind,
            accepted.roles,
            accepted.program,
            doc.variables,
            interpretPromptRenderer,
          );
          expect(fromManifest.kind).toBe(fromBody.kind);
          expect(fromManifest.variableNames).toEqual(fromBody.variableNames);
          expect(fromManifest.render(values)).toEqual(fromBody.render(values));
          // Unknown names, missing required ones: the same errors.
          const odd = { ...values, ...extra };
          expect(outcome(() => fromManifest.render(odd))).toEqual(outcome(() => fromBody.render(odd)));
          expect(outcome(() => fromManifest.render({}))).toEqual(outcome(() => fromBody.render({})));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('carries a chat prompt its roles and a text prompt none', () => {
    const chat = manifestProgramOf('## system\nBe brief.\n\n## user\n{{question}}', ['question']);
    expect(chat).toEqual({
      ops: [BLOCK, 0, 0, TEXT, 0, 0, BLOCK, 0, 0, VAR, 0, 0],
      texts: ['Be brief.'],
      slots: ['question'],
      roles: ['system', 'user'],
    });
    const text = manifestProgramOf('## instructions\n{{#a}}Hi {{b}}{{/a}}', ['b']);
    expect(text).toEqual({
      ops: [BLOCK, 0, 0, SECTION, 1, 12, TEXT, 0, 0, VAR, 0, 0],
      texts: ['Hi '],
      slots: ['b', 'a'],
    });
    expect(manifestProgramOf('no heading', [])).toBeUndefined();
  });

  const valid: ManifestProgram = {
    ops: [BLOCK, 0, 0, TEXT, 0, 0, SECTION, 0, 15, VAR, 1, 0, TEXT, 1, 0, INVERTED, 0, 21, TEXT, 0, 0],
    texts: ['Hello ', '!'],
    slots: ['a', 'b'],
  };
  const withOps = (ops: number[]) => ({ ...valid, ops });

  it('accepts a well-formed program and renders it', () => {
    const accepted = programOf(valid, false);
    expect(accepted?.roles).toEqual([]);
    expect(runProgram(accepted?.program as never, ['x', 'Ana'])).toBe('Hello Ana!');
    expect(runProgram(accepted?.program as never, ['', 'Ana'])).toBe('Hello Hello');
  });

  it.each([
    ['not an object', null],
    ['no ops', { texts: [], slots: [] }],
    ['ops not a list', { ...valid, ops: '4,0,0' }],
    ['ops not in threes', withOps([BLOCK, 0, 0, TEXT, 0])],
    ['texts not strings', { ...valid, texts: ['Hello ', 1] }],
    ['slots missing', { ops: valid.ops, texts: valid.texts }],
    ['roles not strings', { ...valid, roles: [1] }],
    ['no block', withOps([])],
    ['text before the first block', withOps([TEXT, 0, 0, BLOCK, 0, 0])],
    ['an unknown instruction', withOps([BLOCK, 0, 0, 5, 0, 0])],
    ['an instruction that is not a whole number', withOps([BLOCK, 0, 0, 1.5, 0, 0])],
    ['a string instruction', withOps([BLOCK, 0, 0, '1' as unknown as number, 0, 0])],
    ['a negative index', withOps([BLOCK, 0, 0, TEXT, -1, 0])],
    ['a text index past the texts', withOps([BLOCK, 0, 0, TEXT, 2, 0])],
    ['a slot past the slots', withOps([BLOCK, 0, 0, VAR, 2, 0])],
    ['a section that ends where it starts (a loop)', withOps([BLOCK, 0, 0, SECTION, 0, 3])],
    ['a section that jumps back (a loop)', withOps([BLOCK, 0, 0, TEXT, 0, 0, SECTION, 0, 0])],
    ['a section that ends between instructions', withOps([BLOCK, 0, 0, SECTION, 0, 8, TEXT, 0, 0])],
    ['a section that ends past the program', withOps([BLOCK, 0, 0, SECTION, 0, 12, TEXT, 0, 0])],
    [
      'a section that ends past the one around it',
      withOps([BLOCK, 0, 0, SECTION, 0, 12, INVERTED, 1, 15, TEXT, 0, 0, TEXT, 1, 0]),
    ],
    ['a block inside a section', withOps([BLOCK, 0, 0, SECTION, 0, 12, BLOCK, 0, 0, TEXT, 0, 0])],
    ['a non-integer jump', withOps([BLOCK, 0, 0, SECTION, 0, 6.5, TEXT, 0, 0])],
  ])('refuses %s', (_label, value) => {
    expect(programOf(value, false)).toBeUndefined();
  });

  it('refuses a chat program without one role per block', () => {
    const chat = { ops: [BLOCK, 0, 0, TEXT, 0, 0, BLOCK, 0, 0], texts: ['x'], slots: [] };
    expect(programOf({ ...chat, roles: ['system', 'user'] }, true)).toBeDefined();
    expect(programOf(chat, true)).toBeUndefined();
    expect(programOf({ ...chat, roles: ['system'] }, true)).toBeUndefined();
  });

  it('anything it accepts runs to its end with the interpreter and compiles with the code generator (property)', () => {
    const op = fc.oneof(
      fc.constantFrom(TEXT, VAR, SECTION, INVERTED, BLOCK),
      fc.integer({ min: -2, max: 30 }),
    );
    const programArb = fc.record({
      ops: fc.array(op, { maxLength: 30 }),
      texts: fc.array(fc.constantFrom('a', ' ', '\n', 'b\n\n'), { maxLength: 3 }),
      slots: fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 }),
    });
    let accepted = 0;
    fc.assert(
      fc.property(
        programArb,
        fc.array(fc.constantFrom('x', '', 0, true, false), { maxLength: 3 }),
        (p, s) => {
          const program = programOf(p, false)?.program;
          if (!program) return;
          accepted++;
          expect(typeof runProgram(program, s)).toBe('string');
          const generated = compileRenderer(program);
          expect(generated?.(s, [])).toBe(runProgram(program, s));
        },
      ),
      { numRuns: 20_000 },
    );
    // Random instructions rarely make a program; enough of them do for the property to bite.
    expect(accepted).toBeGreaterThan(100);
  });
});
