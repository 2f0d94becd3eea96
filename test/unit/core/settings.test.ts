import { describe, expect, it } from 'vitest';
import { ENV, LIMITS } from '../../../src/core/contracts.ts';
import {
  DEFAULT_SETTINGS,
  FALLBACK_STRATEGY,
  findStrategy,
  KEEP_FOREVER,
  parseSettings,
  pickSettings,
  predefinedStrategyIds,
  SettingsError,
  settingsEnvironment,
} from '../../../src/core/settings.ts';
import { thrownBy } from '../../fixtures/errors.ts';

const LINEAR_25 = {
  deploymentDurationInMinutes: 8,
  growthFactor: 25,
  growthType: 'LINEAR',
  finalBakeTimeInMinutes: 5,
};

function problems(input: Parameters<typeof parseSettings>[0]) {
  return thrownBy(SettingsError, () => parseSettings(input)).errors ?? [];
}

describe('Function: parseSettings', () => {
  describe('defaults', () => {
    it('gives three environments, prod protected, the contract strategies and the alarm thresholds', () => {
      const settings = parseSettings({});
      expect(settings.environments).toEqual(['dev', 'staging', 'prod']);
      expect(settings.protectedEnvironments).toEqual(['prod']);
      expect(settings.defaultStrategies).toEqual({
        dev: 'AllAtOnce',
        staging: 'Linear50PercentEvery30Seconds',
        prod: 'Canary10Percent20Minutes',
      });
      expect(settings.customStrategies).toEqual([]);
      expect(settings.alarmErrorRatePercent).toBe(DEFAULT_SETTINGS.alarmErrorRatePercent);
      expect(settings.alarmP99LatencyMs).toBe(DEFAULT_SETTINGS.alarmP99LatencyMs);
      expect(settings.alarmNegativeFeedbackPercent).toBe(DEFAULT_SETTINGS.alarmNegativeFeedbackPercent);
      expect(settings.alarmMinimumSamples).toBe(DEFAULT_SETTINGS.alarmMinimumSamples);
      expect(settings.operatorEmails).toEqual([]);
      expect(settings.inlineBodyThreshold).toBe(LIMITS.inlineBodyThresholdBytes);
      expect(settings.feedbackRetentionDays).toBe(365);
      expect(settings.replicaRegion).toBeUndefined();
      expect(settings.region).toBeUndefined();
      expect(settings.evalGatedEnvironments).toEqual(['prod']);
      expect(settings.requireEvalSuite).toBe(false);
      expect(settings.evalModels).toEqual([]);
      expect(settings).toMatchObject({
        canaryAnalysis: ['prod'],
        canaryMaxPValue: 0.01,
        canaryMinSamples: 50,
        canaryErrorRateMargin: 0.02,
        canaryNegativeFeedbackMargin: 0.1,
        canaryLatencyRatio: 1.5,
      });
    });

    it('captures shadow outputs nowhere unless shadowOutputCapture names environments', () => {
      expect(parseSettings({}).shadowOutputCapture).toEqual([]);
      expect(parseSettings({ shadowOutputCapture: 'staging,prod' }).shadowOutputCapture).toEqual([
        'staging',
        'prod',
      ]);
      expect(parseSettings({ shadowOutputCapture: ['prod'] }).shadowOutputCapture).toEqual(['prod']);
      expect(parseSettings({ shadowOutputCapture: '' }).shadowOutputCapture).toEqual([]);
    });

    it('judges the protected environments by canary analysis unless canaryAnalysis names others', () => {
      expect(parseSettings({ protectedEnvironments: 'staging,prod' }).canaryAnalysis).toEqual([
        'staging',
        'prod',
      ]);
      expect(parseSettings({ canaryAnalysis: 'staging' }).canaryAnalysis).toEqual(['staging']);
      expect(parseSettings({ canaryAnalysis: '' }).canaryAnalysis).toEqual([]);
      expect(
        parseSettings({
          canaryMaxPValue: '0.05',
          canaryMinSamples: '100',
          canaryErrorRateMargin: 0,
          canaryNegativeFeedbackMargin: '0.2',
          canaryLatencyRatio: '2',
        }),
      ).toMatchObject({
        canaryMaxPValue: 0.05,
        canaryMinSamples: 100,
        canaryErrorRateMargin: 0,
        canaryNegativeFeedbackMargin: 0.2,
        canaryLatencyRatio: 2,
      });
    });

    it('gates the protected environments unless evalGatedEnvironments names others', () => {
      expect(parseSettings({ protectedEnvironments: 'staging,prod' }).evalGatedEnvironments).toEqual([
        'staging',
        'prod',
      ]);
      expect(parseSettings({ environments: 'dev,qa' }).evalGatedEnvironments).toEqual([]);
      expect(parseSettings({ evalGatedEnvironments: 'staging' }).evalGatedEnvironments).toEqual(['staging']);
      // Empty is a choice: no environment is gated, although prod stays protected.
      expect(parseSettings({ evalGatedEnvironments: '' })).toMatchObject({
        evalGatedEnvironments: [],
        protectedEnvironments: ['prod'],
      });
    });

    it('protects prod by default only when there is a prod environment', () => {
      expect(parseSettings({ environments: 'dev,qa' }).protectedEnvironments).toEqual([]);
      expect(parseSettings({ environments: 'dev,prod' }).protectedEnvironments).toEqual(['prod']);
    });

    it('treats null like a missing key', () => {
      expect(parseSettings({ environments: null, alarmMinimumSamples: null })).toEqual(parseSettings({}));
    });
  });

  describe('values as CDK context strings', () => {
    it('parses comma-separated lists, trimming blanks and duplicates', () => {
      const settings = parseSettings({
        environments: ' dev, qa ,prod,,dev',
        protectedEnvironments: 'prod, qa',
        operatorEmails: 'a@example.com, b@example.org',
      });
      expect(settings.environments).toEqual(['dev', 'qa', 'prod']);
      expect(settings.protectedEnvironments).toEqual(['prod', 'qa']);
      expect(settings.operatorEmails).toEqual(['a@example.com', 'b@example.org']);
    });

    it('reads an empty protectedEnvironments or operatorEmails as none', () => {
      const settings = parseSettings({ protectedEnvironments: '', operatorEmails: '' });
      expect(settings.protectedEnvironments).toEqual([]);
      expect(settings.operatorEmails).toEqual([]);
    });

    it('parses numbers from strings', () => {
      const settings = parseSettings({
        alarmErrorRatePercent: '2.5',
        alarmP99LatencyMs: '9000',
        alarmNegativeFeedbackPercent: '40',
        alarmMinimumSamples: '50',
        inlineBodyThreshold: '4096',
        feedbackRetentionDays: '30',
      });
      expect(settings).toMatchObject({
        alarmErrorRatePercent: 2.5,
        alarmP99LatencyMs: 9000,
        alarmNegativeFeedbackPercent: 40,
        alarmMinimumSamples: 50,
        inlineBodyThreshold: 4096,
        feedbackRetentionDays: 30,
      });
    });

    it('parses defaultStrategies as env=Strategy pairs or JSON, filling the rest', () => {
      expect(
        parseSettings({ defaultStrategies: 'dev=Linear20PercentEvery6Minutes' }).defaultStrategies,
      ).toEqual({
        dev: 'Linear20PercentEvery6Minutes',
        staging: 'Linear50PercentEvery30Seconds',
        prod: 'Canary10Percent20Minutes',
      });
      expect(parseSettings({ defaultStrategies: '{"prod":"AllAtOnce"}' }).defaultStrategies.prod).toBe(
        'AllAtOnce',
      );
    });

    it('gives environments without a known default the fallback by protection', () => {
      const settings = parseSettings({ environments: 'qa,live', protectedEnvironments: 'live' });
      expect(settings.defaultStrategies).toEqual({
        qa: FALLBACK_STRATEGY.unprotected,
        live: FALLBACK_STRATEGY.protected,
      });
    });

    it('parses customStrategies as a JSON object of name to strategy and lets environments use them', () => {
      const settings = parseSettings({
        customStrategies: JSON.stringify({ Linear25: LINEAR_25 }),
        defaultStrategies: 'staging=Linear25',
      });
      expect(settings.customStrategies).toEqual([{ name: 'Linear25', ...LINEAR_25 }]);
      expect(settings.defaultStrategies.staging).toBe('Linear25');
      expect(findStrategy(settings, 'Linear25')).toEqual({ name: 'Linear25', ...LINEAR_25 });
      expect(findStrategy(settings, 'AllAtOnce')?.finalBakeTimeInMinutes).toBe(10);
      expect(findStrategy(settings, 'Nope')).toBeUndefined();
    });

    it('parses customStrategies as a JSON array, with LINEAR as the default growth type', () => {
      const { growthType: _omitted, ...spec } = LINEAR_25;
      const settings = parseSettings({ customStrategies: [{ name: 'Slow', ...spec }] });
      expect(settings.customStrategies).toEqual([{ name: 'Slow', ...spec, growthType: 'LINEAR' }]);
    });

    it('parses the gate and the model allow-list from context strings or JSON values', () => {
      expect(
        parseSettings({
          evalGatedEnvironments: ' staging , prod,staging',
          requireEvalSuite: 'true',
          evalModels: 'anthropic.claude-3-haiku-20240307-v1:0, us.amazon.nova-lite-v1:0',
        }),
      ).toMatchObject({
        evalGatedEnvironments: ['staging', 'prod'],
        requireEvalSuite: true,
        evalModels: ['anthropic.claude-3-haiku-20240307-v1:0', 'us.amazon.nova-lite-v1:0'],
      });
      expect(
        parseSettings({
          evalGatedEnvironments: ['dev'],
          requireEvalSuite: true,
          evalModels: ['amazon.nova-micro-v1:0'],
        }),
      ).toMatchObject({
        evalGatedEnvironments: ['dev'],
        requireEvalSuite: true,
        evalModels: ['amazon.nova-micro-v1:0'],
      });
      expect(parseSettings({ requireEvalSuite: ' FALSE ' }).requireEvalSuite).toBe(false);
      expect(parseSettings({ requireEvalSuite: false }).requireEvalSuite).toBe(false);
      expect(parseSettings({ requireEvalSuite: '' }).requireEvalSuite).toBe(false);
      expect(parseSettings({ evalModels: '' }).evalModels).toEqual([]);
    });

    it('keeps feedback forever with "forever"', () => {
      expect(parseSettings({ feedbackRetentionDays: KEEP_FOREVER }).feedbackRetentionDays).toBeUndefined();
    });

    it('takes the regions, with an empty replicaRegion meaning none', () => {
      expect(parseSettings({ region: 'eu-west-1', replicaRegion: 'eu-central-1' })).toMatchObject({
        region: 'eu-west-1',
        replicaRegion: 'eu-central-1',
      });
      expect(parseSettings({ replicaRegion: '' }).replicaRegion).toBeUndefined();
    });
  });

  describe('errors', () => {
    it('names the key and the bad value', () => {
      const error = thrownBy(SettingsError, () => parseSettings({ alarmErrorRatePercent: 'lots' }));
      expect(error.message).toContain('alarmErrorRatePercent');
      expect(error.message).toContain('"lots"');
      expect(error.errors).toEqual([
        { path: 'alarmErrorRatePercent', message: expect.stringContaining('"lots"') },
      ]);
      expect(error.code).toBe('VALIDATION_FAILED');
    });

    it('collects every problem before throwing', () => {
      const found = problems({
        environments: 'dev,Prod',
        protectedEnvironments: 'live',
        alarmP99LatencyMs: -1,
        alarmMinimumSamples: 2.5,
        operatorEmails: 'not-an-email',
        replicaRegion: 'mars-1',
      });
      expect(found.map((p) => p.path)).toEqual([
        'replicaRegion',
        'environments',
        'protectedEnvironments',
        'operatorEmails',
        'alarmP99LatencyMs',
        'alarmMinimumSamples',
      ]);
      expect(found[1]?.message).toContain('"Prod"');
      expect(found[2]?.message).toContain('"live"');
      expect(found[3]?.message).toContain('"not-an-email"');
    });

    it.each([
      ['alarmErrorRatePercent', 0],
      ['alarmErrorRatePercent', 101],
      ['alarmNegativeFeedbackPercent', '0'],
      ['alarmP99LatencyMs', 'fast'],
      ['alarmMinimumSamples', 0],
      ['inlineBodyThreshold', LIMITS.maxDocumentBytes + 1],
      ['inlineBodyThreshold', -1],
      ['feedbackRetentionDays', 0],
      ['feedbackRetentionDays', 'always'],
      ['feedbackRetentionDays', 1.5],
      ['environments', ''],
      ['environments', 42],
      ['region', 'Virginia'],
      ['evalGatedEnvironments', 'live'],
      ['evalGatedEnvironments', 'Prod'],
      ['evalGatedEnvironments', 7],
      ['requireEvalSuite', 'yes'],
      ['requireEvalSuite', 1],
      ['evalModels', 'anthropic/claude'],
      ['evalModels', 'gpt 4'],
      ['evalModels', { model: 'x' }],
      ['canaryAnalysis', 'live'],
      ['shadowOutputCapture', 'live'],
      ['shadowOutputCapture', 'Prod'],
      ['shadowOutputCapture', { prod: true }],
      ['canaryAnalysis', 'Prod'],
      ['canaryMaxPValue', 0],
      ['canaryMaxPValue', 1],
      ['canaryMaxPValue', 'small'],
      ['canaryMinSamples', 0],
      ['canaryMinSamples', 10.5],
      ['canaryErrorRateMargin', -0.01],
      ['canaryErrorRateMargin', 2],
      ['canaryNegativeFeedbackMargin', '1.5'],
      ['canaryLatencyRatio', 1],
      ['canaryLatencyRatio', '0.5'],
    ] as const)('rejects %s = %j', (key, value) => {
      const found = problems({ [key]: value });
      expect(found).toHaveLength(1);
      expect(found[0]?.path).toBe(key);
      expect(found[0]?.message).toContain(JSON.stringify(value));
    });

    it('names the gated environment that is not configured, and lists the configured ones', () => {
      expect(problems({ environments: 'dev,prod', evalGatedEnvironments: 'prod,staging' })).toEqual([
        {
          path: 'evalGatedEnvironments',
          message: '"staging" is not one of the environments (dev, prod) (got "staging")',
        },
      ]);
    });

    it('names the canary environment that is not configured, and states the bounds', () => {
      expect(problems({ environments: 'dev,prod', canaryAnalysis: 'prod,staging' })).toEqual([
        {
          path: 'canaryAnalysis',
          message: '"staging" is not one of the environments (dev, prod) (got "staging")',
        },
      ]);
      expect(problems({ canaryMaxPValue: 1 })).toEqual([
        { path: 'canaryMaxPValue', message: 'must be a number greater than 0 and less than 1 (got 1)' },
      ]);
    });

    it('names each bad model id', () => {
      expect(problems({ evalModels: 'amazon.nova-lite-v1:0,bad model,arn:aws:x/y' })).toEqual([
        { path: 'evalModels', message: expect.stringContaining('"bad model"') },
        { path: 'evalModels', message: expect.stringContaining('"arn:aws:x/y"') },
      ]);
    });

    it('rejects a replica region equal to the primary region', () => {
      expect(problems({ region: 'us-east-1', replicaRegion: 'us-east-1' })).toEqual([
        { path: 'replicaRegion', message: expect.stringContaining('"us-east-1"') },
      ]);
    });

    it('rejects unknown strategies and environments in defaultStrategies', () => {
      const found = problems({ defaultStrategies: 'dev=Fastest,live=AllAtOnce,broken' });
      expect(found.map((p) => p.message)).toEqual([
        expect.stringContaining('"broken"'),
        expect.stringMatching(/strategy for "dev".*"Fastest"/),
        expect.stringMatching(/"live" is not one of the environments.*"live"/),
      ]);
    });

    it('rejects bad custom strategies, each problem naming the strategy', () => {
      const found = problems({
        customStrategies: JSON.stringify({
          AllAtOnce: LINEAR_25,
          Huge: { ...LINEAR_25, deploymentDurationInMinutes: 2000 },
          Odd: { ...LINEAR_25, growthType: 'QUADRATIC', growthFactor: 0, extra: true },
          '9lives': LINEAR_25,
        }),
      });
      expect(found.every((p) => p.path === 'customStrategies')).toBe(true);
      const messages = found.map((p) => p.message).join('\n');
      expect(messages).toContain('"AllAtOnce" is a predefined AppConfig strategy');
      expect(messages).toContain('"Huge".deploymentDurationInMinutes');
      expect(messages).toContain('"Odd".growthType');
      expect(messages).toContain('"Odd".growthFactor');
      expect(messages).toContain('"Odd" has an unknown field "extra"');
      expect(messages).toContain('"9lives"');
    });

    it('rejects customStrategies that are not JSON, or not a list or object', () => {
      expect(problems({ customStrategies: '{nope' })[0]?.message).toContain('must be JSON');
      expect(problems({ customStrategies: '7' })[0]?.message).toContain('array or object');
    });

    it('rejects a custom strategy defined twice', () => {
      const found = problems({
        customStrategies: [
          { name: 'Twice', ...LINEAR_25 },
          { name: 'Twice', ...LINEAR_25 },
        ],
      });
      expect(found).toEqual([
        { path: 'customStrategies', message: expect.stringContaining('"Twice" is defined twice') },
      ]);
    });

    it('rejects keys that are not settings', () => {
      const found = problems({ enviroments: 'dev' } as never);
      expect(found).toEqual([
        { path: 'enviroments', message: expect.stringContaining('not a PromptOps setting') },
      ]);
    });
  });
});

describe('Function: pickSettings', () => {
  it('keeps only settings keys that are set', () => {
    expect(
      pickSettings({ region: 'us-east-1', other: 1, environments: undefined, '@aws-cdk/x': true }),
    ).toEqual({
      region: 'us-east-1',
    });
  });
});

describe('Function: settingsEnvironment', () => {
  it('gives the handlers the settings-derived variables', () => {
    const settings = parseSettings({ environments: 'dev,prod', feedbackRetentionDays: 90 });
    expect(settingsEnvironment(settings)).toEqual({
      [ENV.environments]: 'dev,prod',
      [ENV.protectedEnvironments]: 'prod',
      [ENV.defaultStrategies]: JSON.stringify({ dev: 'AllAtOnce', prod: 'Canary10Percent20Minutes' }),
      [ENV.inlineBodyThreshold]: String(LIMITS.inlineBodyThresholdBytes),
      [ENV.feedbackRetentionDays]: '90',
      [ENV.evalGatedEnvironments]: 'prod',
      [ENV.requireEvalSuite]: 'false',
      [ENV.evalModels]: '',
      [ENV.canaryEnvironments]: 'prod',
      [ENV.canaryMaxPValue]: '0.01',
      [ENV.canaryMinSamples]: '50',
      [ENV.canaryErrorRateMargin]: '0.02',
      [ENV.canaryNegativeFeedbackMargin]: '0.1',
      [ENV.canaryLatencyRatio]: '1.5',
      [ENV.reviewEveryDays]: '180',
    });
    expect(
      settingsEnvironment(
        parseSettings({
          evalGatedEnvironments: 'dev,prod',
          requireEvalSuite: true,
          evalModels: 'a.b-v1:0,c.d',
        }),
      ),
    ).toMatchObject({
      [ENV.evalGatedEnvironments]: 'dev,prod',
      [ENV.requireEvalSuite]: 'true',
      [ENV.evalModels]: 'a.b-v1:0,c.d',
    });
  });

  it('leaves the retention unset when feedback is kept forever', () => {
    const env = settingsEnvironment(parseSettings({ feedbackRetentionDays: KEEP_FOREVER }));
    expect(env).not.toHaveProperty(ENV.feedbackRetentionDays);
  });
});

describe('Function: predefinedStrategyIds', () => {
  it('maps every predefined strategy to its AppConfig id', () => {
    expect(predefinedStrategyIds()).toEqual({
      AllAtOnce: 'AppConfig.AllAtOnce',
      Linear50PercentEvery30Seconds: 'AppConfig.Linear50PercentEvery30Seconds',
      Linear20PercentEvery6Minutes: 'AppConfig.Linear20PercentEvery6Minutes',
      Canary10Percent20Minutes: 'AppConfig.Canary10Percent20Minutes',
    });
  });
});
