/** loadPrompts: a middy middleware that puts named prompts on the context before the handler runs. */

import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  loadPrompts,
  PromptClient,
  PromptNotFoundError,
  type WithPrompts,
} from '../../../src/client/index.ts';
import { chooseVariant } from '../../../src/core/variants.ts';
import {
  APPLICATION,
  chatDocument,
  ENVIRONMENT,
  supportDocument,
  temporaryDirectory,
  testManifest,
  variant,
} from '../../fixtures/client-manifests.ts';

interface Event {
  readonly userId: string;
}

let files: ReturnType<typeof temporaryDirectory>;
let prompts: PromptClient;
const { json, manifest } = testManifest({
  'support-reply': [variant(supportDocument('a'), '1.0.0', 50), variant(supportDocument('b'), '2.0.0', 50)],
  'triage-chat': [variant(chatDocument(), '1.0.0')],
});

/** What the Lambda runtime passes; the middleware adds `prompts` to it. */
const lambdaContext = { getRemainingTimeInMillis: () => 30_000 } as never;

beforeEach(() => {
  files = temporaryDirectory();
  prompts = new PromptClient({
    application: APPLICATION,
    environment: ENVIRONMENT,
    source: { type: 'file', path: files.write('manifest.json', json) },
    logger: { warn: vi.fn() },
  });
});

afterEach(() => files.cleanup());

describe('Function: loadPrompts', () => {
  it('loads the named prompts into context.prompts before the handler runs', async () => {
    const seen: Record<string, string>[] = [];
    const handler = middy<Event, string, Error, WithPrompts<Context, 'reply' | 'triage'>>()
      .use(loadPrompts(prompts, { prompts: { reply: 'support-reply', triage: 'triage-chat' } }))
      .handler(async (_event, context) => {
        seen.push({ reply: context.prompts.reply.id, triage: context.prompts.triage.kind });
        return context.prompts.triage.render({ question: 'Hi' }).toString();
      });

    await handler({ userId: 'u-1' }, lambdaContext);

    expect(seen).toEqual([{ reply: 'support-reply', triage: 'chat' }]);
  });

  it('picks the variant of the key taken from the event', async () => {
    const versions: string[] = [];
    const handler = middy<Event, void, Error, WithPrompts<Context, 'reply'>>()
      .use(loadPrompts<Event>(prompts, { prompts: { reply: 'support-reply' }, key: (event) => event.userId }))
      .handler(async (_event, context) => {
        versions.push(context.prompts.reply.version);
      });
    const variants = manifest.prompts['support-reply']?.variants ?? [];
    const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);

    for (const userId of users) await handler({ userId }, lambdaContext);

    expect(versions).toEqual(users.map((userId) => chooseVariant(variants, userId, 'support-reply').version));
    expect(new Set(versions).size).toBe(2);
  });

  it('fails the request before the handler when a prompt is not deployed', async () => {
    const body = vi.fn();
    const handler = middy<Event>()
      .use(loadPrompts(prompts, { prompts: { reply: 'no-such-prompt' } }))
      .handler(body);

    await expect(handler({ userId: 'u' }, lambdaContext)).rejects.toBeInstanceOf(PromptNotFoundError);
    expect(body).not.toHaveBeenCalled();
  });
});
