/**
 * The client renders every prompt with the template interpreter from its first render, and upgrades
 * a prompt to generated code once it has rendered UPGRADE_AFTER_RENDERS times (src/client/renderer.ts):
 * the same text, messages and errors before and after. Where the runtime forbids code generation
 * the interpreter keeps rendering.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  MissingVariableError,
  PromptClient,
  UnknownVariableError,
  VariableTypeError,
} from '../../../src/client/index.ts';
import type { Prompt } from '../../../src/client/prompt.ts';
import { UPGRADE_AFTER_RENDERS } from '../../../src/client/renderer.ts';
import * as compiler from '../../../src/core/prompt-compiler.ts';
import * as codegen from '../../../src/core/render-codegen.ts';
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
vi.mock('../../../src/core/render-codegen.ts', { spy: true });

let files: ReturnType<typeof temporaryDirectory>;

beforeEach(() => {
  files = temporaryDirectory();
  vi.mocked(compiler.compilePromptWith).mockClear();
  vi.mocked(codegen.compilePromptRenderer).mockClear();
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

const values = { customer_name: 'Ana', tone: 'warm', ticket: 'My order is late.' };

/** What a prompt's render gives for a set of inputs: outputs, or each error's class and message. */
function outcomes(support: Prompt, chat: Prompt): unknown[] {
  const inputs: [Prompt, Record<string, unknown>][] = [
    [support, values],
    [support, { ...values, ticket: '' }],
    [support, { ...values, tone: {} }],
    [support, { ...values, extra: 'x' }],
    [chat, { question: 'Where is my order?' }],
    [chat, { question: 3 }],
    [chat, {}],
    [chat, { question: 'q', extra: 'x' }],
  ];
  return inputs.map(([prompt, input]) => {
    try {
      return prompt.render(input as never);
    } catch (error) {
      return [(error as Error).constructor.name, (error as Error).message];
    }
  });
}

/** Renders `prompt` until it has rendered UPGRADE_AFTER_RENDERS times. */
function renderUpToUpgrade(prompt: Prompt, rendered: number): void {
  const input = prompt.kind === 'chat' ? { question: 'q' } : values;
  for (let i = rendered; i < UPGRADE_AFTER_RENDERS; i++) prompt.render(input);
}

describe('Class: PromptClient', () => {
  describe('Method: get (rendering)', () => {
    it('renders with the interpreter first and with generated code once a prompt is hot, identically', async () => {
      const prompts = client(files.write('manifest.json', manifest()));
      const support = await prompts.get('support-reply');
      const chat = await prompts.get('triage-chat');
      const before = outcomes(support, chat);
      expect(before[0]).toBe(
        'You are a support agent for Acme.\n\nCustomer: Ana\n\nv1: answer in a warm tone.\nMy order is late.',
      );
      expect(before.slice(6)).toEqual([
        ['MissingVariableError', expect.stringContaining('"question"')],
        ['UnknownVariableError', expect.stringContaining('"extra"')],
      ]);
      // The code generator is not loaded for a prompt that has not rendered often.
      expect(codegen.compilePromptRenderer).not.toHaveBeenCalled();

      renderUpToUpgrade(support, 4);
      await vi.waitFor(() => expect(codegen.compilePromptRenderer).toHaveBeenCalledTimes(1));
      expect(vi.mocked(codegen.compilePromptRenderer).mock.results[0]?.value).toBeTypeOf('function');
      renderUpToUpgrade(chat, 4);
      await vi.waitFor(() => expect(codegen.compilePromptRenderer).toHaveBeenCalledTimes(2));
      // Rendering on after the upgrade compiles nothing again.
      for (let i = 0; i < UPGRADE_AFTER_RENDERS; i++) support.render(values);
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(codegen.compilePromptRenderer).toHaveBeenCalledTimes(2);

      expect(outcomes(support, chat)).toEqual(before);
      // Every object of the version renders the same way: the stale one and the next get's.
      expect((await prompts.get('support-reply')).render(values)).toBe(before[0]);
    });

    it('keeps rendering with the interpreter when generating the code throws, with nothing unhandled', async () => {
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        vi.mocked(codegen.compilePromptRenderer).mockImplementationOnce(() => {
          throw new SyntaxError('generated code that does not parse');
        });
        const prompts = client(files.write('manifest.json', manifest()));
        const support = await prompts.get('support-reply');
        const chat = await prompts.get('triage-chat');
        const before = outcomes(support, chat);
        renderUpToUpgrade(support, 0);
        await vi.waitFor(() => expect(codegen.compilePromptRenderer).toHaveBeenCalledTimes(1));
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(outcomes(support, chat)).toEqual(before);
        expect(unhandled).toEqual([]);
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
    });

    it('keeps rendering with the interpreter where the runtime forbids code generation', async () => {
      const path = files.write('manifest.json', manifest());
      const expected = (() => {
        const reference = client(path);
        return Promise.all([reference.get('support-reply'), reference.get('triage-chat')]);
      })().then(([support, chat]) => outcomes(support, chat));

      forbidCodeGeneration();
      const prompts = client(path);
      const support = await prompts.get('support-reply');
      const chat = await prompts.get('triage-chat');
      renderUpToUpgrade(support, 0);
      await vi.waitFor(() => expect(codegen.compilePromptRenderer).toHaveBeenCalledTimes(1));
      expect(vi.mocked(codegen.compilePromptRenderer).mock.results[0]?.value).toBeUndefined();

      expect(outcomes(support, chat)).toEqual(await expected);
      expect(() => chat.render({})).toThrow(MissingVariableError);
      expect(() => chat.render({ question: 'q', extra: 'x' })).toThrow(UnknownVariableError);
      expect(() => support.render({ ...values, tone: {} as never })).toThrow(VariableTypeError);
      // Bodies that parse never load the compiler that words errors.
      expect(compiler.compilePromptWith).not.toHaveBeenCalled();
    });
  });
});
