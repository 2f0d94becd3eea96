/**
 * Where the runtime forbids code generation, the client loads the template interpreter while it
 * loads the manifest, so every prompt it serves renders, with the same checks.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  MissingVariableError,
  PromptClient,
  UnknownVariableError,
  VariableTypeError,
} from '../../../src/client/index.ts';
import * as fast from '../../../src/core/compiled-prompt.ts';
import * as compiler from '../../../src/core/prompt-compiler.ts';
import {
  APPLICATION,
  chatDocument,
  ENVIRONMENT,
  supportDocument,
  temporaryDirectory,
  testManifest,
  variant,
} from '../../fixtures/client-manifests.ts';

vi.mock('../../../src/core/prompt-compiler.ts', { spy: true });
vi.mock('../../../src/core/compiled-prompt.ts', { spy: true });

let files: ReturnType<typeof temporaryDirectory>;

beforeEach(() => {
  files = temporaryDirectory();
  vi.mocked(compiler.compilePromptWith).mockClear();
  vi.mocked(fast.compileValidPrompt).mockClear();
});

afterEach(() => {
  vi.unstubAllGlobals();
  files.cleanup();
});

function forbidCodeGeneration(): void {
  vi.stubGlobal(
    'Function',
    class {
      constructor() {
        throw new EvalError('Code generation from strings disallowed for this context');
      }
    },
  );
}

function client(path: string): PromptClient {
  return new PromptClient({
    application: APPLICATION,
    environment: ENVIRONMENT,
    source: { type: 'file', path },
    logger: { warn: vi.fn() },
  });
}

const manifest = () =>
  testManifest({
    'support-reply': [variant(supportDocument('v1'), '1.0.0')],
    'triage-chat': [variant(chatDocument(), '1.0.0')],
  }).json;

describe('Class: PromptClient', () => {
  describe('Method: get (no code generation)', () => {
    it('renders every prompt with the interpreter, loaded with the manifest', async () => {
      const path = files.write('manifest.json', manifest());
      const values = { customer_name: 'Ana', tone: 'warm', ticket: 'My order is late.' };
      const generated = (await client(path).get('support-reply')).render(values);

      forbidCodeGeneration();
      const prompts = client(path);
      const support = await prompts.get('support-reply');
      const chat = await prompts.get('triage-chat');

      // Tried without the interpreter first, then with it, for each version.
      expect(
        vi.mocked(compiler.compilePromptWith).mock.calls.filter(([, fallback]) => fallback),
      ).toHaveLength(2);
      expect(support.render(values)).toBe(generated);
      expect(chat.render({ question: 'Where is my order?' })).toEqual([
        { role: 'system', content: 'You triage questions.' },
        { role: 'user', content: 'Where is my order?' },
      ]);
      expect(() => chat.render({})).toThrow(MissingVariableError);
      expect(() => chat.render({ question: 'q', extra: 'x' })).toThrow(UnknownVariableError);
      expect(() => chat.render({ question: 3 })).not.toThrow();
      expect(() => support.render({ ...values, tone: {} as never })).toThrow(VariableTypeError);
    });

    it('does not load the interpreter where code generation works', async () => {
      const path = files.write('manifest.json', manifest());
      await client(path).get('support-reply');
      expect(vi.mocked(compiler.compilePromptWith).mock.calls.every(([, fallback]) => !fallback)).toBe(true);
      // Both versions compiled by the compiler for bodies that parse, without loading the other one.
      expect(vi.mocked(fast.compileValidPrompt).mock.results.map((r) => r.value !== undefined)).toEqual([
        true,
        true,
      ]);
    });
  });
});
