import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ENVIRONMENT_STRATEGIES,
  ENV,
  LIMITS,
  PREDEFINED_STRATEGIES,
} from '../../../src/core/contracts.ts';
import {
  HandlerEnvironmentError,
  readHandlerEnvironment,
  requiredResource,
} from '../../../src/core/handler-environment.ts';
import {
  DEFAULT_SETTINGS,
  FALLBACK_STRATEGY,
  type HandlerSettings,
  KEEP_FOREVER,
  parseSettings,
  settingsEnvironment,
} from '../../../src/core/settings.ts';

const environmentNameArb = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
const modelIdArb = fc.stringMatching(/^[a-z][a-z0-9.:-]{0,30}$/);

/** Settings as parseSettings makes them, from any valid input the handlers' part depends on. */
const settingsArb = fc
  .uniqueArray(environmentNameArb, { minLength: 1, maxLength: 5 })
  .chain((environments) =>
    fc.record({
      environments: fc.constant(environments),
      protectedEnvironments: fc.option(fc.subarray(environments), { nil: undefined }),
      defaultStrategies: fc.dictionary(
        fc.constantFrom(...environments),
        fc.constantFrom(...Object.keys(PREDEFINED_STRATEGIES)),
      ),
      inlineBodyThreshold: fc.option(fc.integer({ min: 0, max: LIMITS.maxDocumentBytes }), {
        nil: undefined,
      }),
      feedbackRetentionDays: fc.option(
        fc.oneof(fc.integer({ min: 1, max: 3650 }), fc.constant(KEEP_FOREVER)),
        {
          nil: undefined,
        },
      ),
      evalGatedEnvironments: fc.option(fc.subarray(environments), { nil: undefined }),
      requireEvalSuite: fc.option(fc.oneof(fc.boolean(), fc.constantFrom('true', 'false', 'TRUE')), {
        nil: undefined,
      }),
      evalModels: fc.option(fc.uniqueArray(modelIdArb, { maxLength: 4 }), { nil: undefined }),
      canaryAnalysis: fc.option(fc.subarray(environments), { nil: undefined }),
      shadowOutputCapture: fc.option(fc.subarray(environments), { nil: undefined }),
      canaryMaxPValue: fc.option(fc.double({ min: 1e-9, max: 0.999, noNaN: true }), { nil: undefined }),
      canaryMinSamples: fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: undefined }),
      canaryErrorRateMargin: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
      canaryNegativeFeedbackMargin: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), {
        nil: undefined,
      }),
      canaryLatencyRatio: fc.option(fc.double({ min: 1.0001, max: 100, noNaN: true }), { nil: undefined }),
      reviewEveryDays: fc.option(fc.integer({ min: 1, max: 3650 }), { nil: undefined }),
      modelRetirements: fc.option(
        fc.uniqueArray(
          fc.record({
            modelId: modelIdArb,
            retiresOn: fc.constantFrom('2026-01-31', '2027-06-30'),
          }),
          { maxLength: 3, selector: (r) => r.modelId },
        ),
        { nil: undefined },
      ),
    }),
  )
  .map((input) => parseSettings(input));

function handlerPart(settings: HandlerSettings): HandlerSettings {
  const {
    environments,
    protectedEnvironments,
    defaultStrategies,
    inlineBodyThreshold,
    feedbackRetentionDays,
    evalGatedEnvironments,
    requireEvalSuite,
    evalModels,
    canaryAnalysis,
    canaryMaxPValue,
    canaryMinSamples,
    canaryErrorRateMargin,
    canaryNegativeFeedbackMargin,
    canaryLatencyRatio,
    reviewEveryDays,
    modelRetirements,
    shadowOutputCapture,
  } = settings;
  return {
    environments,
    protectedEnvironments,
    defaultStrategies,
    inlineBodyThreshold,
    ...(feedbackRetentionDays !== undefined ? { feedbackRetentionDays } : {}),
    evalGatedEnvironments,
    requireEvalSuite,
    evalModels,
    canaryAnalysis,
    canaryMaxPValue,
    canaryMinSamples,
    canaryErrorRateMargin,
    canaryNegativeFeedbackMargin,
    canaryLatencyRatio,
    reviewEveryDays,
    modelRetirements,
    shadowOutputCapture,
  };
}

function problemsOf(env: Record<string, string | undefined>): readonly string[] {
  try {
    readHandlerEnvironment(env);
  } catch (error) {
    expect(error).toBeInstanceOf(HandlerEnvironmentError);
    expect((error as Error).name).toBe('HandlerEnvironmentError');
    return (error as HandlerEnvironmentError).problems;
  }
  throw new Error('expected a HandlerEnvironmentError');
}

describe('Function: readHandlerEnvironment', () => {
  it('reads back what settingsEnvironment wrote (round trip)', () => {
    fc.assert(
      fc.property(settingsArb, (settings) => {
        expect(readHandlerEnvironment(settingsEnvironment(settings)).settings).toEqual(handlerPart(settings));
      }),
    );
  });

  it('reads back the default settings, protected list, strategies and kept-forever feedback included', () => {
    for (const input of [
      {},
      { environments: 'dev,qa' },
      { protectedEnvironments: '' },
      { feedbackRetentionDays: KEEP_FOREVER },
      {
        evalGatedEnvironments: '',
        requireEvalSuite: 'true',
        evalModels: 'anthropic.claude-3-haiku-20240307-v1:0',
      },
      { environments: 'dev,qa', evalGatedEnvironments: 'qa' },
      { canaryAnalysis: '', canaryMaxPValue: '0.001', canaryLatencyRatio: 2 },
      { canaryAnalysis: 'staging,prod', canaryErrorRateMargin: 0, canaryNegativeFeedbackMargin: '1' },
      { shadowOutputCapture: 'prod' },
    ]) {
      const settings = parseSettings(input);
      expect(readHandlerEnvironment(settingsEnvironment(settings)).settings).toEqual(handlerPart(settings));
    }
  });

  it('gives a handler with no variables the default settings, as parseSettings would', () => {
    const { settings, resources, appConfigEnvironmentIds, customStrategyIds } = readHandlerEnvironment({});
    expect(settings).toEqual({
      environments: [...DEFAULT_SETTINGS.environments],
      protectedEnvironments: [...DEFAULT_SETTINGS.protectedEnvironments],
      defaultStrategies: DEFAULT_ENVIRONMENT_STRATEGIES,
      inlineBodyThreshold: DEFAULT_SETTINGS.inlineBodyThreshold,
      evalGatedEnvironments: [...DEFAULT_SETTINGS.protectedEnvironments],
      requireEvalSuite: false,
      evalModels: [],
      canaryAnalysis: [...DEFAULT_SETTINGS.protectedEnvironments],
      canaryMaxPValue: DEFAULT_SETTINGS.canaryMaxPValue,
      canaryMinSamples: DEFAULT_SETTINGS.canaryMinSamples,
      canaryErrorRateMargin: DEFAULT_SETTINGS.canaryErrorRateMargin,
      canaryNegativeFeedbackMargin: DEFAULT_SETTINGS.canaryNegativeFeedbackMargin,
      canaryLatencyRatio: DEFAULT_SETTINGS.canaryLatencyRatio,
      reviewEveryDays: 180,
      modelRetirements: [],
      shadowOutputCapture: [],
    });
    // Unset retention keeps feedback forever: the writer leaves it out for that.
    expect(settings).not.toHaveProperty('feedbackRetentionDays');
    expect(resources).toEqual({});
    expect(appConfigEnvironmentIds).toEqual({});
    expect(customStrategyIds).toEqual({});
  });

  it('fills a missing default strategy from DEFAULT_ENVIRONMENT_STRATEGIES, then FALLBACK_STRATEGY', () => {
    const { settings } = readHandlerEnvironment({
      [ENV.environments]: 'dev,qa,live',
      [ENV.protectedEnvironments]: 'live',
      [ENV.defaultStrategies]: JSON.stringify({ qa: 'Linear20PercentEvery6Minutes' }),
    });
    expect(settings.defaultStrategies).toEqual({
      dev: DEFAULT_ENVIRONMENT_STRATEGIES.dev,
      qa: 'Linear20PercentEvery6Minutes',
      live: FALLBACK_STRATEGY.protected,
    });
  });

  it('keeps the default protected environments that exist when the variable is unset', () => {
    expect(readHandlerEnvironment({ [ENV.environments]: 'dev,prod' }).settings.protectedEnvironments).toEqual(
      ['prod'],
    );
    expect(readHandlerEnvironment({ [ENV.environments]: 'dev,qa' }).settings.protectedEnvironments).toEqual(
      [],
    );
  });

  it('gates the protected environments when the gated list is unset, as parseSettings does', () => {
    const { settings } = readHandlerEnvironment({
      [ENV.environments]: 'dev,qa,live',
      [ENV.protectedEnvironments]: 'qa,live',
    });
    expect(settings.evalGatedEnvironments).toEqual(['qa', 'live']);
    expect(settings.requireEvalSuite).toBe(false);
  });

  it('judges the protected environments when the canary list is unset, as parseSettings does', () => {
    const { settings } = readHandlerEnvironment({
      [ENV.environments]: 'dev,qa,live',
      [ENV.protectedEnvironments]: 'live',
    });
    expect(settings.canaryAnalysis).toEqual(['live']);
    expect(readHandlerEnvironment({ [ENV.canaryEnvironments]: ' ' }).settings.canaryAnalysis).toEqual([]);
  });

  it('reads the canary thresholds', () => {
    const { settings } = readHandlerEnvironment({
      [ENV.canaryMaxPValue]: '1e-3',
      [ENV.canaryMinSamples]: '200',
      [ENV.canaryErrorRateMargin]: '0',
      [ENV.canaryNegativeFeedbackMargin]: '0.25',
      [ENV.canaryLatencyRatio]: ' 2.5 ',
    });
    expect(settings).toMatchObject({
      canaryMaxPValue: 0.001,
      canaryMinSamples: 200,
      canaryErrorRateMargin: 0,
      canaryNegativeFeedbackMargin: 0.25,
      canaryLatencyRatio: 2.5,
    });
  });

  it('reads the review interval and the model retirements (docs/maintenance.md)', () => {
    const { settings } = readHandlerEnvironment({
      [ENV.reviewEveryDays]: '90',
      [ENV.modelRetirements]: JSON.stringify([{ modelId: 'anthropic.claude-v2', retiresOn: '2026-03-01' }]),
    });
    expect(settings.reviewEveryDays).toBe(90);
    expect(settings.modelRetirements).toEqual([{ modelId: 'anthropic.claude-v2', retiresOn: '2026-03-01' }]);
    expect(problemsOf({ [ENV.reviewEveryDays]: '0' })).toEqual([
      `Environment variable ${ENV.reviewEveryDays} must be a whole number of days from 1 to 3650, got "0"`,
    ]);
    const bad = '[{"modelId":"x"}]';
    expect(problemsOf({ [ENV.modelRetirements]: bad })).toEqual([
      `Environment variable ${ENV.modelRetirements} must be a JSON list of {modelId, retiresOn, replacement?}, got ${JSON.stringify(bad)}`,
    ]);
  });

  it('reads the gate settings and the model allow-list', () => {
    const { settings } = readHandlerEnvironment({
      [ENV.evalGatedEnvironments]: ' staging, prod ',
      [ENV.requireEvalSuite]: 'True',
      [ENV.evalModels]: 'anthropic.claude-3-haiku-20240307-v1:0,us.amazon.nova-lite-v1:0',
    });
    expect(settings.evalGatedEnvironments).toEqual(['staging', 'prod']);
    expect(settings.requireEvalSuite).toBe(true);
    expect(settings.evalModels).toEqual([
      'anthropic.claude-3-haiku-20240307-v1:0',
      'us.amazon.nova-lite-v1:0',
    ]);
  });

  describe('blank values hold nothing', () => {
    it('a blank list is the empty list', () => {
      expect(
        readHandlerEnvironment({ [ENV.environments]: 'dev,prod', [ENV.protectedEnvironments]: ' ' }).settings
          .protectedEnvironments,
      ).toEqual([]);
      // A blank gated list gates nothing: it is not the unset list (the protected environments).
      expect(
        readHandlerEnvironment({ [ENV.evalGatedEnvironments]: '' }).settings.evalGatedEnvironments,
      ).toEqual([]);
      expect(readHandlerEnvironment({ [ENV.evalModels]: ' ' }).settings.evalModels).toEqual([]);
    });

    it('a blank flag takes its default', () => {
      expect(readHandlerEnvironment({ [ENV.requireEvalSuite]: ' ' }).settings.requireEvalSuite).toBe(false);
    });

    it('a blank number or JSON object takes its default', () => {
      const { settings, appConfigEnvironmentIds } = readHandlerEnvironment({
        [ENV.inlineBodyThreshold]: '',
        [ENV.feedbackRetentionDays]: '  ',
        [ENV.defaultStrategies]: '',
        [ENV.appConfigEnvironmentIds]: ' ',
      });
      expect(settings.inlineBodyThreshold).toBe(DEFAULT_SETTINGS.inlineBodyThreshold);
      expect(settings).not.toHaveProperty('feedbackRetentionDays');
      expect(settings.defaultStrategies).toEqual(DEFAULT_ENVIRONMENT_STRATEGIES);
      expect(appConfigEnvironmentIds).toEqual({});
    });

    it('a blank name is not set', () => {
      const environment = readHandlerEnvironment({ [ENV.table]: '', [ENV.bodyBucket]: ' ' });
      expect(environment.resources).toEqual({});
      expect(() => requiredResource(environment, 'table')).toThrow(
        /^Environment variable PROMPTOPS_TABLE_NAME is not set$/,
      );
    });

    it('a blank environments list names no environment, which is a problem', () => {
      expect(problemsOf({ [ENV.environments]: ' , ' })).toEqual([
        'Environment variable PROMPTOPS_ENVIRONMENTS must name at least one environment, got " , "',
      ]);
    });
  });

  it('trims list entries and drops repeats', () => {
    expect(readHandlerEnvironment({ [ENV.environments]: ' dev, prod ,dev,' }).settings.environments).toEqual([
      'dev',
      'prod',
    ]);
  });

  it('reads the resource names, ids and endpoints the construct adds', () => {
    const environment = readHandlerEnvironment({
      [ENV.table]: 'main',
      [ENV.feedbackTable]: 'feedback',
      [ENV.bodyBucket]: 'bodies',
      [ENV.appConfigApplicationId]: 'app1',
      [ENV.appConfigProfileId]: 'prof1',
      [ENV.appConfigEnvironmentIds]: JSON.stringify({ dev: 'env1', prod: 'env2' }),
      [ENV.strategies]: JSON.stringify({ Custom: 'strat1' }),
      [ENV.feedbackHashSecretArn]: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hash',
      [ENV.appConfigEndpoint]: 'http://localhost:4101',
      [ENV.evaluationFunction]: 'promptops-evaluation-worker',
      UNRELATED: 'ignored',
    });
    expect(environment.resources).toEqual({
      table: 'main',
      feedbackTable: 'feedback',
      bodyBucket: 'bodies',
      appConfigApplicationId: 'app1',
      appConfigProfileId: 'prof1',
      feedbackHashSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hash',
      appConfigEndpoint: 'http://localhost:4101',
      evaluationFunction: 'promptops-evaluation-worker',
    });
    expect(requiredResource(environment, 'evaluationFunction')).toBe('promptops-evaluation-worker');
    expect(environment.appConfigEnvironmentIds).toEqual({ dev: 'env1', prod: 'env2' });
    expect(environment.customStrategyIds).toEqual({ Custom: 'strat1' });
    expect(requiredResource(environment, 'appConfigProfileId')).toBe('prof1');
    expect(() => requiredResource(environment, 'feedbackHashSecret')).toThrow(
      'Environment variable PROMPTOPS_FEEDBACK_HASH_SECRET is not set',
    );
  });

  it('keeps a secret exactly as set', () => {
    expect(
      readHandlerEnvironment({ [ENV.feedbackHashSecret]: ' padded secret ' }).resources.feedbackHashSecret,
    ).toBe(' padded secret ');
  });

  it.each([
    [ENV.feedbackRetentionDays, 'ninety', 'must be a whole number of days of at least 1, got "ninety"'],
    [ENV.feedbackRetentionDays, '0', 'must be a whole number of days of at least 1, got "0"'],
    [ENV.feedbackRetentionDays, '1.5', 'must be a whole number of days of at least 1, got "1.5"'],
    [
      ENV.inlineBodyThreshold,
      '8k',
      `must be a whole number of bytes from 0 to ${LIMITS.maxDocumentBytes}, got "8k"`,
    ],
    [
      ENV.inlineBodyThreshold,
      '0x10',
      `must be a whole number of bytes from 0 to ${LIMITS.maxDocumentBytes}, got "0x10"`,
    ],
    [
      ENV.inlineBodyThreshold,
      '-1',
      `must be a whole number of bytes from 0 to ${LIMITS.maxDocumentBytes}, got "-1"`,
    ],
    [
      ENV.inlineBodyThreshold,
      String(LIMITS.maxDocumentBytes + 1),
      `must be a whole number of bytes from 0 to ${LIMITS.maxDocumentBytes}, got "${LIMITS.maxDocumentBytes + 1}"`,
    ],
    [ENV.defaultStrategies, '{"dev":', 'must be a JSON object of strings, got "{\\"dev\\":"'],
    [ENV.appConfigEnvironmentIds, '["env1"]', 'must be a JSON object of strings, got "[\\"env1\\"]"'],
    [ENV.strategies, '{"Custom":1}', 'must be a JSON object of strings, got "{\\"Custom\\":1}"'],
    [ENV.requireEvalSuite, 'yes', 'must be true or false, got "yes"'],
    [ENV.requireEvalSuite, '1', 'must be true or false, got "1"'],
    [ENV.canaryMaxPValue, '0', 'must be a number greater than 0 and less than 1, got "0"'],
    [ENV.canaryMaxPValue, '1', 'must be a number greater than 0 and less than 1, got "1"'],
    [ENV.canaryMaxPValue, 'tiny', 'must be a number greater than 0 and less than 1, got "tiny"'],
    [ENV.canaryMinSamples, '0', 'must be a whole number of samples of at least 1, got "0"'],
    [ENV.canaryErrorRateMargin, '2', 'must be a number at least 0 and at most 1, got "2"'],
    [ENV.canaryNegativeFeedbackMargin, '-0.1', 'must be a number at least 0 and at most 1, got "-0.1"'],
    [ENV.canaryLatencyRatio, '1', 'must be a number greater than 1, got "1"'],
  ])('rejects %s=%s, naming the variable and the value', (name, value, message) => {
    expect(problemsOf({ [name]: value })).toEqual([`Environment variable ${name} ${message}`]);
  });

  it('lists every problem at once', () => {
    expect(
      problemsOf({ [ENV.inlineBodyThreshold]: 'big', [ENV.feedbackRetentionDays]: 'never' }).map(
        (problem) => problem.split(' ')[2],
      ),
    ).toEqual([ENV.inlineBodyThreshold, ENV.feedbackRetentionDays]);
  });

  it('accepts the bounds', () => {
    const { settings } = readHandlerEnvironment({
      [ENV.inlineBodyThreshold]: ` ${LIMITS.maxDocumentBytes} `,
      [ENV.feedbackRetentionDays]: '1',
    });
    expect(settings.inlineBodyThreshold).toBe(LIMITS.maxDocumentBytes);
    expect(settings.feedbackRetentionDays).toBe(1);
    expect(readHandlerEnvironment({ [ENV.inlineBodyThreshold]: '0' }).settings.inlineBodyThreshold).toBe(0);
  });
});
