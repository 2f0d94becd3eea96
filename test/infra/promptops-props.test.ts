/** The construct's typed props: Durations, AppConfig strategies, throttle settings and combined grants. */
import { Duration, Token } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as appconfig from 'aws-cdk-lib/aws-appconfig';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { FeedbackRetention } from '../../lib/feedback-retention.ts';
import { PromptOps, type PromptOpsProps } from '../../lib/promptops.ts';
import { contextSettings, settingsProps } from '../../lib/promptops-app.ts';
import { ENV } from '../../src/core/contracts.ts';
import { buildPromptOps, FIXTURE_HANDLER, testApp, testStack } from './support.ts';

/** The environment variables of a fixture API handler added to a PromptOps built from `props`. */
function handlerVariables(props: PromptOpsProps): Record<string, unknown> {
  const { template } = buildPromptOps(props, (p) =>
    p.addApiHandler('probe', { entry: FIXTURE_HANDLER, routes: [{ method: 'GET', path: '/probe' }] }),
  );
  const fn = Object.values(template.findResources('AWS::Lambda::Function')).find(
    (resource) => resource.Properties.Description === 'PromptOps API: probe',
  );
  return fn?.Properties.Environment.Variables;
}

function errorOf(props: PromptOpsProps): string {
  try {
    new PromptOps(testStack(), 'PromptOps', props);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the props to be rejected');
}

describe('PromptOps typed props', () => {
  describe('alarmP99Latency', () => {
    it('sets the P99Latency rollback alarm threshold in milliseconds', () => {
      const { template } = buildPromptOps({ alarmP99Latency: Duration.seconds(8) });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'promptops-prod-P99Latency',
        Threshold: 8000,
      });
    });

    it('rejects a zero latency', () => {
      expect(() => new PromptOps(testStack(), 'PromptOps', { alarmP99Latency: Duration.millis(0) })).toThrow(
        /Test\/PromptOps: [\s\S]*alarmP99Latency: must be greater than 0 and at most 15 minutes \(got 0 millis\)/,
      );
    });

    it('rejects a latency above 15 minutes', () => {
      expect(
        () => new PromptOps(testStack(), 'PromptOps', { alarmP99Latency: Duration.minutes(16) }),
      ).toThrow(/alarmP99Latency: must be greater than 0 and at most 15 minutes \(got 16 minutes\)/);
    });

    it('rejects a token', () => {
      const alarmP99Latency = Duration.millis(Token.asNumber({ Ref: 'Latency' }));
      expect(() => new PromptOps(testStack(), 'PromptOps', { alarmP99Latency })).toThrow(
        /Test\/PromptOps: alarmP99Latency must be known at synth \(got a token\)/,
      );
    });
  });

  describe('feedbackRetention', () => {
    it('passes whole days to the handlers', () => {
      const variables = handlerVariables({ feedbackRetention: FeedbackRetention.after(Duration.days(90)) });
      expect(variables[ENV.feedbackRetentionDays]).toBe('90');
    });

    it('keeps 365 days by default', () => {
      expect(handlerVariables({})[ENV.feedbackRetentionDays]).toBe('365');
    });

    it('forever() writes no expiry, so the handlers get no retention', () => {
      const variables = handlerVariables({ feedbackRetention: FeedbackRetention.forever() });
      expect(variables).not.toHaveProperty(ENV.feedbackRetentionDays);
    });

    it('rejects a retention that is not a whole number of days', () => {
      expect(errorOf({ feedbackRetention: FeedbackRetention.after(Duration.hours(36)) })).toMatch(
        /feedbackRetention: must be a whole number of days from 1 to 3650, or FeedbackRetention.forever\(\) \(got 1 day 12 hours\)/,
      );
    });

    it('rejects a retention above ten years', () => {
      expect(
        () =>
          new PromptOps(testStack(), 'PromptOps', {
            feedbackRetention: FeedbackRetention.after(Duration.days(3651)),
          }),
      ).toThrow(/feedbackRetention: .*\(got 3651 days\)/);
    });
  });

  describe('deployment strategies', () => {
    it('takes a predefined strategy by its AppConfig id', () => {
      const variables = handlerVariables({
        defaultStrategies: { prod: appconfig.DeploymentStrategyId.LINEAR_20_PERCENT_EVERY_6_MINUTES },
      });
      expect(JSON.parse(variables[ENV.defaultStrategies] as string)).toMatchObject({
        prod: 'Linear20PercentEvery6Minutes',
      });
    });

    it('creates a custom strategy from its RolloutStrategy', () => {
      const { template } = buildPromptOps({
        customStrategies: {
          Exponential10: appconfig.RolloutStrategy.exponential({
            growthFactor: 10,
            deploymentDuration: Duration.minutes(10),
            finalBakeTime: Duration.minutes(2),
          }),
        },
        defaultStrategies: { prod: 'Exponential10' },
      });
      template.hasResourceProperties('AWS::AppConfig::DeploymentStrategy', {
        Name: 'Exponential10',
        GrowthType: 'EXPONENTIAL',
        GrowthFactor: 10,
        DeploymentDurationInMinutes: 10,
        FinalBakeTimeInMinutes: 2,
      });
    });

    it('rejects a custom strategy whose duration is not whole minutes', () => {
      const customStrategies = {
        Fast: appconfig.RolloutStrategy.linear({
          growthFactor: 50,
          deploymentDuration: Duration.seconds(90),
        }),
      };
      expect(() => new PromptOps(testStack(), 'PromptOps', { customStrategies })).toThrow(
        /customStrategies: "Fast".deploymentDurationInMinutes must be a whole number of minutes .*\(got 1.5\)/,
      );
    });

    it('rejects a strategy id that is neither predefined nor custom', () => {
      const defaultStrategies = { prod: appconfig.DeploymentStrategyId.fromString('abc1234') };
      expect(() => new PromptOps(testStack(), 'PromptOps', { defaultStrategies })).toThrow(
        /defaultStrategies: strategy for "prod" must be one of .*\(got "abc1234"\)/,
      );
    });
  });

  describe('apiThrottle', () => {
    it('takes ThrottleSettings; a limit left out keeps its default', () => {
      const { template } = buildPromptOps({ apiThrottle: { rateLimit: 10 } });
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 10, ThrottlingBurstLimit: 100 }),
      });
    });
  });

  describe('renamed props', () => {
    it('are rejected with their new names rather than ignored', () => {
      const message = errorOf({ alarmP99LatencyMs: 8000, feedbackRetentionDays: 30 } as PromptOpsProps);
      expect(message).toContain('alarmP99LatencyMs: is now alarmP99Latency (a Duration)');
      expect(message).toContain('feedbackRetentionDays: is now feedbackRetention');
    });
  });

  describe('conflicting props', () => {
    it('are reported together, the settings model and the Durations alike', () => {
      const message = errorOf({
        environments: ['dev'],
        protectedEnvironments: ['prod'],
        defaultStrategies: { qa: appconfig.DeploymentStrategyId.ALL_AT_ONCE },
        alarmP99Latency: Duration.minutes(20),
        feedbackRetention: FeedbackRetention.after(Duration.hours(12)),
      });
      expect(message).toMatch(/^Test\/PromptOps: Invalid PromptOps settings \(4 problems\)/);
      expect(message).toContain('protectedEnvironments: "prod" is not one of the environments (dev)');
      expect(message).toContain('defaultStrategies: "qa" is not one of the environments (dev)');
      expect(message).toContain('alarmP99Latency: must be greater than 0');
      expect(message).toContain('feedbackRetention: must be a whole number of days');
    });
  });

  describe('grants', () => {
    it('grantRead returns one grant holding the bodies, key and AppConfig statements', () => {
      const stack = testStack();
      const promptOps = new PromptOps(stack, 'PromptOps', { handlers: false });
      const role = new iam.Role(stack, 'App', { assumedBy: new iam.AccountRootPrincipal() });
      const grant = promptOps.grantRead(role);
      expect(grant.success).toBe(true);
      const actions = grant.principalStatements.flatMap((statement) => statement.actions);
      expect(actions).toEqual(
        expect.arrayContaining(['s3:GetObject', 'kms:Decrypt', 'appconfig:GetLatestConfiguration']),
      );
    });

    it('grantDeploy on the delivery returns one grant from reading deployments to starting them', () => {
      const stack = testStack();
      const promptOps = new PromptOps(stack, 'PromptOps', { handlers: false });
      const role = new iam.Role(stack, 'Deployer', { assumedBy: new iam.AccountRootPrincipal() });
      const actions = promptOps.delivery
        .grantDeploy(role)
        .principalStatements.flatMap((statement) => statement.actions);
      expect(actions).toEqual(
        expect.arrayContaining(['appconfig:GetDeployment', 'kms:Encrypt', 'appconfig:StartDeployment']),
      );
    });
  });

  describe('the app', () => {
    it("gives the construct props that resolve to the context's settings", () => {
      const app = testApp({
        customStrategies:
          '{"Slow": {"deploymentDurationInMinutes": 30, "growthFactor": 10, "finalBakeTimeInMinutes": 5}}',
        defaultStrategies: 'prod=Slow,dev=AllAtOnce',
        feedbackRetentionDays: 'forever',
        alarmP99LatencyMs: 9000,
      });
      const { region: _region, ...settings } = contextSettings(app);
      const promptOps = new PromptOps(testStack(), 'PromptOps', {
        ...settingsProps(settings),
        handlers: false,
      });
      expect(promptOps.settings).toEqual(settings);
    });
  });
});
