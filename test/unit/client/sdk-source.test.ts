/** The AppConfigData source, with aws-sdk-client-mock, and the choice of the default source. */
import { createServer } from 'node:net';
import {
  AppConfigDataClient,
  BadRequestException,
  GetLatestConfigurationCommand,
  StartConfigurationSessionCommand,
  ThrottlingException,
} from '@aws-sdk/client-appconfigdata';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, type Mock, vi } from 'vitest';
import {
  type ClientLogger,
  PromptClient,
  type PromptClientOptions,
  PromptSourceError,
} from '../../../src/client/index.ts';
import { AgentSource } from '../../../src/client/sources/agent.ts';
import { chooseDefaultSource } from '../../../src/client/sources/auto.ts';
import { SdkSource } from '../../../src/client/sources/sdk.ts';
import {
  APPLICATION,
  ENVIRONMENT,
  FakeAgent,
  gate,
  PROFILE,
  supportManifest,
  temporaryDirectory,
} from '../../fixtures/client-manifests.ts';

const appConfig = mockClient(AppConfigDataClient);
const bytes = (text: string) => new TextEncoder().encode(text) as never;
const target = { application: APPLICATION, environment: ENVIRONMENT, profile: PROFILE };

function sdkClient(options: Partial<PromptClientOptions> = {}): PromptClient {
  return new PromptClient({
    application: APPLICATION,
    environment: ENVIRONMENT,
    source: { type: 'sdk', client: new AppConfigDataClient({ region: 'eu-west-1' }) },
    maxAgeSeconds: 45,
    logger: { warn: vi.fn() },
    ...options,
  });
}

function advance(seconds: number): void {
  vi.setSystemTime(Date.now() + seconds * 1000);
}

/** Answers: the initial token, then the given configurations along a token chain t1, t2, ... */
/** `undefined` answers an empty body; `null` is how the SDK reports an empty body off the wire. */
function chain(...configurations: (string | undefined | null)[]): void {
  appConfig.on(StartConfigurationSessionCommand).resolves({ InitialConfigurationToken: 't0' });
  configurations.forEach((text, i) => {
    appConfig.on(GetLatestConfigurationCommand, { ConfigurationToken: `t${i}` }).resolves({
      Configuration: text === null ? (null as never) : bytes(text ?? ''),
      NextPollConfigurationToken: `t${i + 1}`,
      NextPollIntervalInSeconds: 45,
    });
  });
}

/** An AppConfigData call that never answers (and, as the mock does, ignores its abort signal). */
const never = () => new Promise<never>(() => {});

/** `promise`, or a rejection when it is still pending after `ms` of real time (a hung client). */
function settleWithin<T>(promise: Promise<T>, ms = 2000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  return Promise.race([promise, hung]).finally(() => clearTimeout(timer));
}

const tokens = () =>
  appConfig.commandCalls(GetLatestConfigurationCommand).map((call) => call.args[0].input.ConfigurationToken);

beforeEach(() => {
  appConfig.reset();
  vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-22T10:00:00Z') });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

describe('Class: PromptClient', () => {
  describe('Method: get (source: sdk)', () => {
    it('starts one session and follows the token chain', async () => {
      chain(supportManifest('1.0.0').json, undefined, supportManifest('1.1.0', 'v1.1.0', 2).json);
      const prompts = sdkClient();

      expect((await prompts.get('support-reply')).version).toBe('1.0.0');
      for (let i = 0; i < 2; i++) {
        advance(46);
        await prompts.get('support-reply');
        await prompts.refresh();
      }

      expect(appConfig.commandCalls(StartConfigurationSessionCommand)).toHaveLength(1);
      expect(appConfig.commandCalls(StartConfigurationSessionCommand)[0]?.args[0].input).toEqual({
        ApplicationIdentifier: APPLICATION,
        EnvironmentIdentifier: ENVIRONMENT,
        ConfigurationProfileIdentifier: PROFILE,
        RequiredMinimumPollIntervalInSeconds: 45,
      });
      expect(tokens()).toEqual(['t0', 't1', 't2']);
      expect((await prompts.get('support-reply')).version).toBe('1.1.0');
    });

    it('treats an empty configuration as unchanged', async () => {
      chain(supportManifest('1.0.0').json, undefined);
      const prompts = sdkClient();
      const first = await prompts.get('support-reply');
      advance(46);
      await prompts.get('support-reply');
      await prompts.refresh();

      const after = await prompts.get('support-reply');
      expect(tokens()).toEqual(['t0', 't1']);
      expect(after).toBe(first);
      expect(after.stale).toBe(false);
    });

    it('treats a null configuration (an empty body as the SDK parses it) as unchanged', async () => {
      chain(supportManifest('1.0.0').json, null);
      const prompts = sdkClient();
      const first = await prompts.get('support-reply');
      advance(46);
      await prompts.get('support-reply');
      await prompts.refresh();
      const after = await prompts.get('support-reply');
      expect(tokens()).toEqual(['t0', 't1']);
      expect(after).toBe(first);
      expect(after.stale).toBe(false);
    });

    it('never polls before NextPollIntervalInSeconds, even with a shorter maxAgeSeconds', async () => {
      appConfig.on(StartConfigurationSessionCommand).resolves({ InitialConfigurationToken: 't0' });
      appConfig.on(GetLatestConfigurationCommand).resolves({
        Configuration: bytes(supportManifest().json),
        NextPollConfigurationToken: 'next',
        NextPollIntervalInSeconds: 60,
      });
      const prompts = sdkClient({ maxAgeSeconds: 5 });
      await prompts.get('support-reply');

      for (const seconds of [6, 20, 30]) {
        advance(seconds);
        await prompts.get('support-reply');
        await prompts.refresh();
      }
      expect(tokens()).toHaveLength(1);

      advance(5);
      await prompts.get('support-reply');
      await prompts.refresh();
      expect(tokens()).toHaveLength(2);
    });

    it('starts a new session when the token is rejected', async () => {
      chain(supportManifest('1.0.0').json);
      appConfig
        .on(GetLatestConfigurationCommand, { ConfigurationToken: 't1' })
        .rejects(new BadRequestException({ message: 'Token expired', $metadata: {} }));
      const prompts = sdkClient();
      await prompts.get('support-reply');
      appConfig.on(StartConfigurationSessionCommand).resolves({ InitialConfigurationToken: 'fresh' });
      appConfig.on(GetLatestConfigurationCommand, { ConfigurationToken: 'fresh' }).resolves({
        Configuration: bytes(supportManifest('1.1.0', 'v1.1.0', 2).json),
        NextPollConfigurationToken: 'fresh-1',
        NextPollIntervalInSeconds: 45,
      });

      advance(46);
      await prompts.get('support-reply');
      await prompts.refresh();

      expect(appConfig.commandCalls(StartConfigurationSessionCommand)).toHaveLength(2);
      expect(tokens()).toEqual(['t0', 't1', 'fresh']);
      expect(await prompts.get('support-reply')).toMatchObject({ version: '1.1.0', stale: false });
    });

    it('keeps the last good manifest, flagged stale, when AppConfig fails', async () => {
      chain(supportManifest('1.0.0').json);
      appConfig
        .on(GetLatestConfigurationCommand, { ConfigurationToken: 't1' })
        .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));
      const prompts = sdkClient();
      await prompts.get('support-reply');

      advance(46);
      await prompts.get('support-reply');
      await prompts.refresh();

      expect(await prompts.get('support-reply')).toMatchObject({ version: '1.0.0', stale: true });
      expect(appConfig.commandCalls(StartConfigurationSessionCommand)).toHaveLength(1);
    });

    it('fetches the full configuration again after rejecting one', async () => {
      chain(supportManifest('1.0.0').json, '{"broken": ');
      const prompts = sdkClient();
      await prompts.get('support-reply');
      advance(46);
      await prompts.get('support-reply');
      await prompts.refresh();
      expect((await prompts.get('support-reply')).stale).toBe(true);

      // The rejected answer consumed the chain: a new session's first poll returns the full manifest.
      appConfig.on(StartConfigurationSessionCommand).resolves({ InitialConfigurationToken: 'again' });
      appConfig.on(GetLatestConfigurationCommand, { ConfigurationToken: 'again' }).resolves({
        Configuration: bytes(supportManifest('1.2.0', 'v1.2.0', 3).json),
        NextPollConfigurationToken: 'again-1',
        NextPollIntervalInSeconds: 45,
      });
      advance(46);
      await prompts.get('support-reply');
      await prompts.refresh();

      expect(tokens()).toEqual(['t0', 't1', 'again']);
      expect(await prompts.get('support-reply')).toMatchObject({ version: '1.2.0', stale: false });
    });

    it('starts a new session a second after rejecting the first manifest, when it has nothing to serve', async () => {
      chain('{"broken": ');
      const prompts = sdkClient();
      const first = await prompts.get('support-reply').catch((e: unknown) => e);
      expect(first).toBeInstanceOf(PromptSourceError);
      expect((first as Error).message).toContain('failed (PromptSourceError: AppConfigData');
      expect((first as Error).message).toContain('returned text that is not JSON (11 characters)');

      // Within the pause: no new call, and the same reason.
      const again = await prompts.get('support-reply').catch((e: unknown) => e);
      expect(again).toBeInstanceOf(PromptSourceError);
      expect((again as Error).message).toContain('returned text that is not JSON (11 characters)');
      expect((again as Error).message).not.toContain('undefined');
      expect(appConfig.commandCalls(StartConfigurationSessionCommand)).toHaveLength(1);

      // A new session may be polled at once: AppConfig's 45 s interval was the old session's.
      appConfig.on(StartConfigurationSessionCommand).resolves({ InitialConfigurationToken: 'again' });
      appConfig.on(GetLatestConfigurationCommand, { ConfigurationToken: 'again' }).resolves({
        Configuration: bytes(supportManifest('1.2.0', 'v1.2.0', 3).json),
        NextPollConfigurationToken: 'again-1',
        NextPollIntervalInSeconds: 45,
      });
      advance(1);

      expect(await prompts.get('support-reply')).toMatchObject({ version: '1.2.0', stale: false });
      expect(appConfig.commandCalls(StartConfigurationSessionCommand)).toHaveLength(2);
      expect(tokens()).toEqual(['t0', 'again']);
    });

    it('retries after a rejected manifest as after any failure, not after the poll interval', async () => {
      chain(supportManifest('1.0.0').json, '{"broken": ');
      const prompts = sdkClient();
      await prompts.get('support-reply');
      advance(46);
      await prompts.get('support-reply');
      await prompts.refresh();
      expect((await prompts.get('support-reply')).stale).toBe(true);

      appConfig.on(StartConfigurationSessionCommand).resolves({ InitialConfigurationToken: 'again' });
      appConfig.on(GetLatestConfigurationCommand, { ConfigurationToken: 'again' }).resolves({
        Configuration: bytes(supportManifest('1.2.0', 'v1.2.0', 3).json),
        NextPollConfigurationToken: 'again-1',
        NextPollIntervalInSeconds: 45,
      });
      advance(6);
      await prompts.get('support-reply');
      await prompts.refresh();

      expect(tokens()).toEqual(['t0', 't1', 'again']);
      expect(await prompts.get('support-reply')).toMatchObject({ version: '1.2.0', stale: false });
    });

    it('creates its AppConfigData client on first use when none is given', async () => {
      vi.stubEnv('AWS_REGION', 'eu-west-1');
      chain(supportManifest('3.0.0').json);
      const prompts = sdkClient({ source: { type: 'sdk' } });

      expect((await prompts.get('support-reply')).version).toBe('3.0.0');
      expect(tokens()).toEqual(['t0']);
    });
  });
});

describe('Class: PromptClient (deadlines, source: sdk)', () => {
  let files: ReturnType<typeof temporaryDirectory>;
  let warn: Mock<ClientLogger['warn']>;
  beforeEach(() => {
    files = temporaryDirectory();
    warn = vi.fn<ClientLogger['warn']>();
  });
  afterEach(() => files.cleanup());

  it('serves the fallback snapshot within fetchTimeoutSeconds when AppConfigData never answers', async () => {
    appConfig.on(StartConfigurationSessionCommand).callsFake(never);
    const fallbackPath = files.write('snapshot.json', supportManifest('0.9.0').json);
    const prompts = sdkClient({ fallbackPath, fetchTimeoutSeconds: 0.2, logger: { warn } });
    // 200 ms, not less: the fallback snapshot's own load has the same deadline, and a busy runner
    // can take tens of milliseconds to read and compile it.
    const started = performance.now();

    const p = await settleWithin(prompts.get('support-reply'));

    expect(p).toMatchObject({ version: '0.9.0', stale: true });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(warn).toHaveBeenCalledWith(
      'Prompt manifest load failed',
      expect.objectContaining({
        error: 'TimeoutError',
        message: `AppConfigData ${APPLICATION}/${ENVIRONMENT}/${PROFILE} did not finish within 200 ms`,
      }),
    );
    // The call was given the deadline as its abort signal.
    // aws-sdk-client-mock types `args` as the command alone; `send` also received its options.
    const args = appConfig.commandCalls(StartConfigurationSessionCommand)[0]?.args as unknown[];
    const signal = (args[1] as { abortSignal?: AbortSignal } | undefined)?.abortSignal;
    expect(signal).toBeInstanceOf(AbortSignal);
    expect((signal as AbortSignal).aborted).toBe(true);
  });

  it('rejects with a PromptSourceError naming the timeout when there is no fallback', async () => {
    appConfig.on(StartConfigurationSessionCommand).callsFake(never);
    const prompts = sdkClient({ fetchTimeoutSeconds: 0.05 });

    const error = await settleWithin(prompts.get('support-reply').catch((e: unknown) => e));

    expect(error).toBeInstanceOf(PromptSourceError);
    expect((error as Error).message).toContain('failed (TimeoutError: AppConfigData');
    expect((error as Error).message).toContain('did not finish within 50 ms) and no fallbackPath is set');
  });

  it('starts a new refresh after one that never finished', async () => {
    chain(supportManifest('1.0.0').json);
    const prompts = sdkClient({ fetchTimeoutSeconds: 0.05 });
    await prompts.get('support-reply');
    appConfig.on(GetLatestConfigurationCommand, { ConfigurationToken: 't1' }).callsFake(never);
    advance(46);

    await prompts.get('support-reply');
    await settleWithin(prompts.refresh());
    expect(await prompts.get('support-reply')).toMatchObject({ version: '1.0.0', stale: true });

    appConfig.on(GetLatestConfigurationCommand, { ConfigurationToken: 't1' }).resolves({
      Configuration: bytes(supportManifest('1.1.0', 'v1.1.0', 2).json),
      NextPollConfigurationToken: 't2',
      NextPollIntervalInSeconds: 45,
    });
    advance(6);
    await prompts.get('support-reply');
    await settleWithin(prompts.refresh());

    expect(tokens()).toEqual(['t0', 't1', 't1']);
    expect(await prompts.get('support-reply')).toMatchObject({ version: '1.1.0', stale: false });
  });

  it('drops an answer that comes after the deadline without moving along the token chain', async () => {
    chain(supportManifest('1.0.0').json);
    const prompts = sdkClient({ fetchTimeoutSeconds: 0.05 });
    await prompts.get('support-reply');
    const late = gate();
    appConfig.on(GetLatestConfigurationCommand, { ConfigurationToken: 't1' }).callsFake(async () => {
      await late.promise;
      return {
        Configuration: bytes(supportManifest('1.1.0', 'v1.1.0', 2).json),
        NextPollConfigurationToken: 'lost',
        NextPollIntervalInSeconds: 45,
      };
    });
    advance(46);
    await prompts.get('support-reply');
    await settleWithin(prompts.refresh());
    late.open();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Still the last good manifest: the late configuration was never accepted.
    expect(await prompts.get('support-reply')).toMatchObject({ version: '1.0.0', stale: true });

    appConfig.on(GetLatestConfigurationCommand, { ConfigurationToken: 't1' }).resolves({
      Configuration: bytes(supportManifest('1.2.0', 'v1.2.0', 3).json),
      NextPollConfigurationToken: 't2',
      NextPollIntervalInSeconds: 45,
    });
    advance(6);
    await prompts.get('support-reply');
    await settleWithin(prompts.refresh());

    expect(tokens()).toEqual(['t0', 't1', 't1']);
    expect(await prompts.get('support-reply')).toMatchObject({ version: '1.2.0', stale: false });
  });

  it('rejects fetchTimeoutSeconds that is not a number above 0 and at most 900', () => {
    for (const fetchTimeoutSeconds of [0, -1, 901, Number.NaN, '5' as unknown as number]) {
      expect(() => sdkClient({ fetchTimeoutSeconds })).toThrow(
        /fetchTimeoutSeconds must be a number above 0/,
      );
    }
  });
});

describe('Function: chooseDefaultSource', () => {
  it('uses the agent when AWS_APPCONFIG_EXTENSION_HTTP_PORT is set', async () => {
    vi.stubEnv('AWS_APPCONFIG_EXTENSION_HTTP_PORT', '2799');

    const source = await chooseDefaultSource(target, 45);

    expect(source).toBeInstanceOf(AgentSource);
    expect(source.description).toContain('http://localhost:2799/applications/promptops/');
  });

  it('uses the agent when its port answers', async () => {
    vi.stubEnv('AWS_APPCONFIG_EXTENSION_HTTP_PORT', '');
    const agent = new FakeAgent(supportManifest().json);
    await agent.start();
    try {
      const source = await chooseDefaultSource(target, 45, undefined, agent.port);
      expect(source).toBeInstanceOf(AgentSource);
    } finally {
      await agent.stop();
    }
  });

  it('uses the SDK when nothing answers on the agent port', async () => {
    vi.stubEnv('AWS_APPCONFIG_EXTENSION_HTTP_PORT', '');
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });

    expect(await chooseDefaultSource(target, 45, undefined, closed)).toBeInstanceOf(SdkSource);
  });

  it('is what a client without a source uses', async () => {
    const agent = new FakeAgent(supportManifest('4.0.0').json);
    await agent.start();
    vi.stubEnv('AWS_APPCONFIG_EXTENSION_HTTP_PORT', String(agent.port));
    try {
      const prompts = new PromptClient({
        application: APPLICATION,
        environment: ENVIRONMENT,
        logger: { warn: vi.fn() },
      });
      expect((await prompts.get('support-reply')).version).toBe('4.0.0');
      expect(agent.paths).toHaveLength(1);
    } finally {
      await agent.stop();
    }
  });
});
