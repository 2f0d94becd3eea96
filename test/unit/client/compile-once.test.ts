/** Templates are compiled once per version, not per request and not again for an unchanged version. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PromptClient } from '../../../src/client/index.ts';
import * as core from '../../../src/core/compiled-prompt.ts';
import {
  APPLICATION,
  ENVIRONMENT,
  supportDocument,
  temporaryDirectory,
  testManifest,
  variant,
} from '../../fixtures/client-manifests.ts';

vi.mock('../../../src/core/compiled-prompt.ts', { spy: true });

let files: ReturnType<typeof temporaryDirectory>;

beforeEach(() => {
  files = temporaryDirectory();
  vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-22T10:00:00Z') });
  vi.mocked(core.compiledPrompt).mockClear();
});

afterEach(() => {
  vi.useRealTimers();
  files.cleanup();
});

describe('Class: PromptClient', () => {
  describe('Method: get (compilation)', () => {
    it('compiles each version once, however many requests and revisions use it', async () => {
      const kept = variant(supportDocument('kept'), '1.0.0');
      const path = files.write('manifest.json', testManifest({ 'support-reply': [kept] }).json);
      const prompts = new PromptClient({
        application: APPLICATION,
        environment: ENVIRONMENT,
        source: { type: 'file', path },
        maxAgeSeconds: 10,
        logger: { warn: vi.fn() },
      });
      for (let i = 0; i < 100; i++) await prompts.get('support-reply');
      expect(core.compiledPrompt).toHaveBeenCalledTimes(1);

      const added = variant(supportDocument('added', { id: 'other-reply' }), '1.0.0');
      files.write(
        'manifest.json',
        testManifest({ 'support-reply': [kept], 'other-reply': [added] }, { revision: 2 }).json,
      );
      vi.setSystemTime(Date.now() + 11_000);
      await prompts.get('support-reply');
      await prompts.refresh();

      expect((await prompts.get('other-reply')).version).toBe('1.0.0');
      expect(core.compiledPrompt).toHaveBeenCalledTimes(2);
    });
  });
});
