/**
 * A manifest that carries each inline version's program (what deploy builds, docs/architecture.md
 * "The client's bundle"): the client renders from it without parsing the body, exactly as it renders
 * the body; a program that is not one is passed over and the body compiled instead, so a bad program
 * never costs the prompt.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PromptClient } from '../../../src/client/index.ts';
import { buildManifest } from '../../../src/core/manifest-builder.ts';
import * as validBody from '../../../src/core/valid-body.ts';
import {
  APPLICATION,
  chatDocument,
  ENVIRONMENT,
  supportDocument,
  temporaryDirectory,
  variant,
} from '../../fixtures/client-manifests.ts';

vi.mock('../../../src/core/valid-body.ts', { spy: true });

let files: ReturnType<typeof temporaryDirectory>;

beforeEach(() => {
  files = temporaryDirectory();
  vi.mocked(validBody.compileValidPrompt).mockClear();
});

afterEach(() => files.cleanup());

const VALUES = { customer_name: 'Ana', ticket: 'My order is late.', tone: 'calm' };

interface Carried {
  ops?: number[];
  roles?: string[];
}
type Edited = { prompts: Record<string, { program: Carried }> };

function manifestJson(programs: boolean, edit: (value: Edited) => void = () => undefined): string {
  const { json } = buildManifest(
    {
      environment: ENVIRONMENT,
      revision: 1,
      generatedAt: '2026-12-03T10:00:00.000Z',
      prompts: {
        'support-reply': [variant(supportDocument('v1'), '1.0.0')],
        'triage-chat': [variant(chatDocument(), '1.0.0')],
      },
    },
    { programs },
  );
  const value = JSON.parse(json);
  edit(value);
  return JSON.stringify(value);
}

async function renders(json: string) {
  const path = files.write(`manifest-${Math.random()}.json`, json);
  const warn = vi.fn();
  const prompts = new PromptClient({
    application: APPLICATION,
    environment: ENVIRONMENT,
    source: { type: 'file', path },
    logger: { warn },
  });
  const text = await prompts.get('support-reply');
  const chat = await prompts.get('triage-chat');
  return {
    text: text.render(VALUES),
    chat: chat.render({ question: 'Where is my parcel?' }),
    missing: (() => {
      try {
        text.render({ customer_name: 'Ana' });
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message}`;
      }
    })(),
    warnings: warn.mock.calls.length,
  };
}

describe('Class: PromptClient', () => {
  describe('Method: get (programs in the manifest)', () => {
    it('renders from the programs without parsing a body, exactly what the bodies render', async () => {
      const fromBodies = await renders(manifestJson(false));
      expect(validBody.compileValidPrompt).toHaveBeenCalledTimes(2);
      vi.mocked(validBody.compileValidPrompt).mockClear();

      const fromPrograms = await renders(manifestJson(true));
      expect(validBody.compileValidPrompt).not.toHaveBeenCalled();
      expect(fromPrograms).toEqual(fromBodies);
      expect(fromPrograms.text).toContain('v1: answer in a calm tone.');
      expect(fromPrograms.chat).toEqual([
        { role: 'system', content: 'You triage questions.' },
        { role: 'user', content: 'Where is my parcel?' },
      ]);
      expect(fromPrograms.missing).toMatch(/^MissingVariableError: Missing required variable "ticket"/);
    });

    it.each([
      ['a section that jumps back', (p: Carried) => p.ops?.push(2, 0, 0), 2],
      ['a text index past the texts', (p: Carried) => p.ops?.push(0, 99, 0), 2],
      ['no ops', (p: Carried) => delete p.ops, 2],
      // The text prompt's program has no roles to lose: only the chat prompt's body is compiled.
      ['a chat program without roles', (p: Carried) => delete p.roles, 1],
    ])('compiles the body instead of a program with %s, and serves it the same', async (_label, edit, compiled) => {
      const expected = await renders(manifestJson(false));
      vi.mocked(validBody.compileValidPrompt).mockClear();
      const bad = manifestJson(true, (value) => {
        edit(value.prompts['support-reply']?.program as Carried);
        edit(value.prompts['triage-chat']?.program as Carried);
      });
      const served = await renders(bad);
      expect(served).toEqual(expected);
      // Each prompt whose program was refused, and only those, compiled from its body.
      expect(validBody.compileValidPrompt).toHaveBeenCalledTimes(compiled);
    });
  });
});
