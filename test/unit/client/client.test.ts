/**
 * PromptClient against a real local HTTP server standing in for the AppConfig Agent, and against
 * manifest files. Only `Date` is faked, so sockets and file reads run for real while the cache ages
 * on demand.
 */
import { afterEach, beforeEach, describe, expect, it, type Mock, vi } from 'vitest';
import {
  type ClientLogger,
  PromptClient,
  type PromptClientOptions,
  PromptNotFoundError,
  PromptSourceError,
} from '../../../src/client/index.ts';
import { AgentSource } from '../../../src/client/sources/agent.ts';
import {
  AGENT_PATH,
  APPLICATION,
  ENVIRONMENT,
  FakeAgent,
  gate,
  supportManifest,
  temporaryDirectory,
  until,
} from '../../fixtures/client-manifests.ts';

const VALUES = { customer_name: 'Ana', ticket: 'My invoice is wrong.' };

let agent: FakeAgent;
let agentUrl: string;
let warn: Mock<ClientLogger['warn']>;

function client(options: Partial<PromptClientOptions> = {}): PromptClient {
  return new PromptClient({
    application: APPLICATION,
    environment: ENVIRONMENT,
    source: { type: 'agent', url: agentUrl },
    maxAgeSeconds: 45,
    logger: { warn },
    ...options,
  });
}

function advance(seconds: number): void {
  vi.setSystemTime(Date.now() + seconds * 1000);
}

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-22T10:00:00Z') });
  warn = vi.fn<ClientLogger['warn']>();
  agent = new FakeAgent(supportManifest('1.0.0').json);
  agentUrl = await agent.start();
});

afterEach(async () => {
  vi.useRealTimers();
  await agent.stop();
});

describe('Class: PromptClient', () => {
  describe('constructor', () => {
    it('names every invalid option', () => {
      expect(
        () =>
          new PromptClient({
            application: '',
            environment: 7 as unknown as string,
            maxAgeSeconds: -1,
            source: { type: 'ftp' } as never,
          }),
      ).toThrow(/application must be .*environment must be .*maxAgeSeconds must be .*source\.type must be/);
    });

    it('words each invalid option with its value, in the order of the options', () => {
      expect(
        () =>
          new PromptClient({
            application: 'promptops',
            environment: 'prod',
            profile: '',
            fallbackPath: 3 as unknown as string,
            maxAgeSeconds: Number.POSITIVE_INFINITY,
            fetchTimeoutSeconds: 901,
            shadowTimeoutSeconds: 0,
            shadowConcurrency: 1.5,
            prefetch: [''],
            source: { type: 'file' } as never,
          }),
      ).toThrow(
        new TypeError(
          'Invalid PromptClient options: profile must be a non-empty string, got ""; fallbackPath must be a non-empty string, got 3; maxAgeSeconds must be a number above 0, got null; fetchTimeoutSeconds must be a number above 0 and at most 900, got 901; shadowTimeoutSeconds must be a number above 0 and at most 900, got 0; shadowConcurrency must be a whole number of at least 1, got 1.5; prefetch must be a list of prompt ids, got [""]; source.path must be a non-empty string, got undefined',
        ),
      );
    });
  });

  describe('Method: get', () => {
    it('loads the manifest from the agent on first use and returns the prompt', async () => {
      const prompts = client();

      const p = await prompts.get('support-reply');

      expect(agent.paths).toEqual([AGENT_PATH]);
      expect(p).toMatchObject({
        id: 'support-reply',
        version: '1.0.0',
        environment: ENVIRONMENT,
        kind: 'text',
        stale: false,
        model: { provider: 'bedrock', id: 'anthropic.claude-sonnet-4', temperature: 0.2, maxTokens: 800 },
        variables: {
          customer_name: { type: 'string', required: true },
          ticket: { type: 'string', required: true },
          tone: { type: 'string', required: false, default: 'friendly' },
        },
      });
      expect(p.render(VALUES)).toBe(
        'You are a support agent for Acme.\n\nCustomer: Ana\n\nv1.0.0: answer in a friendly tone.\nMy invoice is wrong.',
      );
    });

    it('uses the profile and the default agent port variable', async () => {
      vi.stubEnv('AWS_APPCONFIG_EXTENSION_HTTP_PORT', String(agent.port));
      try {
        const prompts = new PromptClient({
          application: APPLICATION,
          environment: ENVIRONMENT,
          profile: 'other-profile',
          source: { type: 'agent' },
          logger: { warn },
        });
        await prompts.get('support-reply');
        expect(agent.paths).toEqual([
          `/applications/${APPLICATION}/environments/${ENVIRONMENT}/configurations/other-profile`,
        ]);
      } finally {
        vi.unstubAllEnvs();
      }
    });

    it('answers from memory until maxAgeSeconds have passed, then refreshes once', async () => {
      const prompts = client({ maxAgeSeconds: 30 });
      await prompts.get('support-reply');
      advance(29);
      for (let i = 0; i < 10; i++) await prompts.get('support-reply');
      expect(agent.paths).toHaveLength(1);

      agent.respond = () => ({ body: supportManifest('1.1.0', 'v1.1.0', 2).json });
      advance(2);
      const during = await prompts.get('support-reply');
      await prompts.refresh();
      const after = await prompts.get('support-reply');

      expect(agent.paths).toHaveLength(2);
      expect(during.version).toBe('1.0.0');
      expect(after.version).toBe('1.1.0');
      expect(after.stale).toBe(false);
    });

    it('never waits on a background refresh once loaded', async () => {
      const prompts = client();
      await prompts.get('support-reply');
      const release = gate();
      agent.respond = async () => {
        await release.promise;
        return { body: supportManifest('2.0.0', 'v2', 2).json };
      };
      advance(46);

      const p = await prompts.get('support-reply');
      await until(() => agent.pending === 1);
      const again = await Promise.race([
        prompts.get('support-reply'),
        new Promise((resolve) => setTimeout(() => resolve('blocked'), 500)),
      ]);

      expect(p.version).toBe('1.0.0');
      expect(again).toMatchObject({ version: '1.0.0', stale: false });
      release.open();
      await prompts.refresh();
      expect((await prompts.get('support-reply')).version).toBe('2.0.0');
    });

    it('shares one fetch among 100 concurrent first gets', async () => {
      const prompts = client();

      const all = await Promise.all(Array.from({ length: 100 }, () => prompts.get('support-reply')));

      expect(agent.paths).toHaveLength(1);
      expect(new Set(all).size).toBe(1);
    });

    it('shares one background refresh among 100 concurrent gets after expiry', async () => {
      const prompts = client();
      await prompts.get('support-reply');
      const release = gate();
      agent.respond = async () => {
        await release.promise;
        return { body: supportManifest('1.0.1', 'v1.0.1', 2).json };
      };
      advance(46);

      const all = await Promise.all(Array.from({ length: 100 }, () => prompts.get('support-reply')));
      release.open();
      await prompts.refresh();

      expect(agent.paths).toHaveLength(2);
      expect(all.every((p) => p.version === '1.0.0')).toBe(true);
      expect((await prompts.get('support-reply')).version).toBe('1.0.1');
    });

    it('reads the clock once for the gets of one event-loop turn, and refreshes right after a turn past maxAgeSeconds', async () => {
      const prompts = client();
      await prompts.get('support-reply');
      await new Promise((resolve) => setImmediate(resolve));
      const now = vi.spyOn(Date, 'now');
      try {
        for (let i = 0; i < 1000; i++) await prompts.get('support-reply');
        expect(now).not.toHaveBeenCalled();
        await new Promise((resolve) => setImmediate(resolve));
        expect(now).toHaveBeenCalledTimes(1);
        expect(agent.paths).toHaveLength(1);

        advance(46);
        expect((await prompts.get('support-reply')).version).toBe('1.0.0');
        await until(() => agent.paths.length === 2);
      } finally {
        now.mockRestore();
      }
    });

    it('refreshes under fake timers that fake setImmediate once they run the turn after the get', async () => {
      const prompts = client();
      await prompts.get('support-reply');
      vi.useFakeTimers({ toFake: ['Date', 'setImmediate'], now: Date.now() });
      vi.advanceTimersByTime(46_000);

      expect((await prompts.get('support-reply')).version).toBe('1.0.0');
      expect(agent.paths).toHaveLength(1);
      vi.advanceTimersByTime(0);
      // until() waits with setImmediate, faked here; vi.waitFor keeps real timers.
      await vi.waitFor(() => expect(agent.paths).toHaveLength(2));
    });

    it('keeps the same compiled prompt when the manifest comes back unchanged', async () => {
      const prompts = client();
      const first = await prompts.get('support-reply');
      advance(46);
      await prompts.get('support-reply');
      await prompts.refresh();

      expect(agent.paths).toHaveLength(2);
      expect(await prompts.get('support-reply')).toBe(first);
    });

    it('serves the last good manifest, flagged stale, while the agent is down', async () => {
      const prompts = client();
      await prompts.get('support-reply');
      await agent.stop();
      advance(46);

      await prompts.get('support-reply');
      await prompts.refresh();
      const p = await prompts.get('support-reply');

      expect(p).toMatchObject({ version: '1.0.0', stale: true });
      expect(p.render(VALUES)).toContain('v1.0.0');
      expect(warn).toHaveBeenCalledWith(
        'Prompt refresh failed; serving the last good manifest',
        expect.objectContaining({ source: expect.stringContaining(AGENT_PATH), error: 'Error' }),
      );
    });

    it('returns to fresh prompts when the agent answers again', async () => {
      const prompts = client();
      await prompts.get('support-reply');
      agent.respond = () => ({ status: 500, body: '{"message":"internal"}' });
      advance(46);
      await prompts.get('support-reply');
      await prompts.refresh();
      expect((await prompts.get('support-reply')).stale).toBe(true);

      agent.respond = () => ({ body: supportManifest('1.2.0', 'v1.2.0', 2).json });
      advance(6);
      await prompts.get('support-reply');
      await prompts.refresh();

      expect(await prompts.get('support-reply')).toMatchObject({ version: '1.2.0', stale: false });
    });

    it('retries once on a new connection when the agent closed the kept-alive one', async () => {
      const prompts = client();
      await prompts.get('support-reply');
      let requests = 1;
      agent.respond = (request) => {
        requests++;
        if (requests === 2) {
          request.socket.destroy();
          return new Promise(() => {});
        }
        return { body: supportManifest('1.0.1', 'v1.0.1', 2).json };
      };
      advance(46);

      await prompts.get('support-reply');
      await prompts.refresh();

      expect(agent.paths).toHaveLength(3);
      expect(await prompts.get('support-reply')).toMatchObject({ version: '1.0.1', stale: false });
      expect(warn).not.toHaveBeenCalled();
    });

    it('logs a failing source at most once a minute', async () => {
      const prompts = client();
      await prompts.get('support-reply');
      agent.respond = () => ({ status: 503, body: 'unavailable' });
      for (let i = 0; i < 10; i++) {
        advance(46);
        await prompts.get('support-reply');
        await prompts.refresh();
      }

      const refreshWarnings = warn.mock.calls.filter(([message]) =>
        String(message).startsWith('Prompt refresh'),
      );
      // Failures every 46 s: written at 46, 138, 230, 322 and 414 s; each one held back is counted
      // in the next warning.
      expect(refreshWarnings).toHaveLength(5);
      expect(refreshWarnings[0]?.[1]).not.toHaveProperty('suppressed');
      expect(refreshWarnings[1]?.[1]).toMatchObject({ suppressed: 1 });
    });

    it('keeps the last good manifest when the agent serves corrupt JSON, without logging it', async () => {
      const prompts = client();
      await prompts.get('support-reply');
      agent.respond = () => ({ body: '{"schemaVersion":1,"prompts":{"x":{"body":"SECRET PROMPT TEXT' });
      advance(46);
      await prompts.get('support-reply');
      await prompts.refresh();

      expect(await prompts.get('support-reply')).toMatchObject({ version: '1.0.0', stale: true });
      expect(warn).toHaveBeenCalledTimes(1);
      expect(JSON.stringify(warn.mock.calls)).not.toContain('SECRET');
    });

    it('keeps the last good manifest when the agent serves an invalid manifest', async () => {
      const prompts = client();
      await prompts.get('support-reply');
      agent.respond = () => ({
        body: JSON.stringify({ schemaVersion: 1, environment: 'prod', prompts: [] }),
      });
      advance(46);
      await prompts.get('support-reply');
      await prompts.refresh();

      expect(await prompts.get('support-reply')).toMatchObject({ version: '1.0.0', stale: true });
      expect(warn).toHaveBeenCalledWith(
        'Prompt refresh failed; serving the last good manifest',
        expect.objectContaining({ error: 'ValidationError', fields: ['revision', 'generatedAt', 'prompts'] }),
      );
    });

    it('rejects with PromptNotFoundError naming the deployed prompts', async () => {
      const prompts = client();

      const error = await prompts.get('support-replies').catch((e: unknown) => e);

      expect(error).toBeInstanceOf(PromptNotFoundError);
      expect(error).toMatchObject({ name: 'PromptNotFoundError', promptId: 'support-replies' });
      expect((error as Error).message).toMatch(
        /"support-replies" is not deployed to environment "prod".*"support-reply"/,
      );
    });
  });

  describe('Deadlines (source: agent)', () => {
    let files: ReturnType<typeof temporaryDirectory>;
    beforeEach(() => {
      files = temporaryDirectory();
    });
    afterEach(() => files.cleanup());

    it('serves the fallback snapshot within fetchTimeoutSeconds when the agent never answers', async () => {
      const fallbackPath = files.write('snapshot.json', supportManifest('0.9.0').json);
      agent.respond = () => new Promise(() => {});
      const prompts = client({ fallbackPath, fetchTimeoutSeconds: 0.1 });
      const started = performance.now();

      const p = await prompts.get('support-reply');

      expect(p).toMatchObject({ version: '0.9.0', stale: true });
      expect(performance.now() - started).toBeLessThan(1000);
      expect(warn).toHaveBeenCalledWith(
        'Prompt manifest load failed',
        expect.objectContaining({ error: 'TimeoutError' }),
      );
    });

    it('refreshes again after a refresh the agent never answered', async () => {
      const prompts = client({ fetchTimeoutSeconds: 0.1 });
      await prompts.get('support-reply');
      agent.respond = () => new Promise(() => {});
      advance(46);
      await prompts.get('support-reply');
      const started = performance.now();
      await prompts.refresh();
      expect(performance.now() - started).toBeLessThan(1000);
      expect(await prompts.get('support-reply')).toMatchObject({ version: '1.0.0', stale: true });

      agent.respond = () => ({ body: supportManifest('1.1.0', 'v1.1.0', 2).json });
      advance(6);
      await prompts.get('support-reply');
      await prompts.refresh();

      expect(agent.paths).toHaveLength(3);
      expect(await prompts.get('support-reply')).toMatchObject({ version: '1.1.0', stale: false });
    });

    it('AgentSource ends its request when the signal aborts', async () => {
      let closed = false;
      agent.respond = (request) => {
        request.socket.once('close', () => {
          closed = true;
        });
        return new Promise(() => {});
      };
      const source = new AgentSource(
        { application: APPLICATION, environment: ENVIRONMENT, profile: 'prompts' },
        agentUrl,
      );
      const started = performance.now();

      await expect(source.fetch(AbortSignal.timeout(100))).rejects.toMatchObject({ name: 'AbortError' });
      await until(() => closed);

      expect(performance.now() - started).toBeLessThan(2000);
    });
  });

  describe('Fallback snapshot', () => {
    let files: ReturnType<typeof temporaryDirectory>;
    beforeEach(() => {
      files = temporaryDirectory();
    });
    afterEach(() => files.cleanup());

    it('serves the fallback snapshot, flagged stale, when the first load fails', async () => {
      const fallbackPath = files.write('snapshot.json', supportManifest('0.9.0').json);
      await agent.stop();
      const prompts = client({ fallbackPath });

      const p = await prompts.get('support-reply');

      expect(p).toMatchObject({ version: '0.9.0', stale: true });
      expect(p.render(VALUES)).toContain('v0.9.0');
    });

    it('moves from the fallback to the source once it answers', async () => {
      const fallbackPath = files.write('snapshot.json', supportManifest('0.9.0').json);
      agent.respond = () => ({ status: 502, body: 'bad gateway' });
      const prompts = client({ fallbackPath });
      expect((await prompts.get('support-reply')).version).toBe('0.9.0');

      agent.respond = () => ({ body: supportManifest('1.0.0').json });
      advance(6);
      await prompts.get('support-reply');
      await prompts.refresh();

      expect(await prompts.get('support-reply')).toMatchObject({ version: '1.0.0', stale: false });
    });

    it('rejects with PromptSourceError when neither the source nor the fallback works', async () => {
      await agent.stop();
      const prompts = client({ fallbackPath: files.write('snapshot.json', 'not json') });

      const error = await prompts.get('support-reply').catch((e: unknown) => e);

      expect(error).toBeInstanceOf(PromptSourceError);
      expect((error as Error).message).toMatch(
        /No prompt manifest for application "promptops", environment "prod", profile "prompts": AppConfig Agent .* failed .* the fallback snapshot .*snapshot\.json could not be loaded/,
      );
      expect((error as Error).cause).toBeInstanceOf(AggregateError);
    });

    it('rejects with PromptSourceError, the cause attached, when there is nothing at all', async () => {
      await agent.stop();
      const prompts = client();

      const error = await prompts.get('support-reply').catch((e: unknown) => e);

      expect(error).toBeInstanceOf(PromptSourceError);
      expect(error).toMatchObject({ name: 'PromptSourceError' });
      expect((error as Error).message).toMatch(/no fallbackPath is set/);
      expect((error as Error & { cause: { code?: string } }).cause.code).toBe('ECONNREFUSED');
    });

    it('tries the source again on the next get after a total failure', async () => {
      const port = agent.port;
      await agent.stop();
      const prompts = client();
      await expect(prompts.get('support-reply')).rejects.toBeInstanceOf(PromptSourceError);

      agent = new FakeAgent(supportManifest('1.0.0').json);
      await agent.start(port);

      expect((await prompts.get('support-reply')).version).toBe('1.0.0');
    });
  });

  describe('Source: file', () => {
    let files: ReturnType<typeof temporaryDirectory>;
    beforeEach(() => {
      files = temporaryDirectory();
    });
    afterEach(() => files.cleanup());

    it('reads the manifest file and picks up changes after maxAgeSeconds', async () => {
      const path = files.write('manifest.json', supportManifest('1.0.0').json);
      const prompts = client({ source: { type: 'file', path }, maxAgeSeconds: 10 });
      expect((await prompts.get('support-reply')).version).toBe('1.0.0');

      files.write('manifest.json', supportManifest('1.0.1', 'v1.0.1', 2).json);
      expect((await prompts.get('support-reply')).version).toBe('1.0.0');
      advance(11);
      await prompts.get('support-reply');
      await prompts.refresh();

      expect((await prompts.get('support-reply')).version).toBe('1.0.1');
      expect(agent.paths).toEqual([]);
    });
  });
});
