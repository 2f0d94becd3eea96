import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { colorDiff } from '../../../src/cli/commands/diff.ts';
import { verdict } from '../../../src/cli/commands/feedback.ts';
import { alarmOfReason, observe } from '../../../src/cli/rollout.ts';

describe('Function: colorDiff', () => {
  it('colours additions, removals and hunks on a terminal, and nothing otherwise', () => {
    const unified = '--- a1@1.0.0\n+++ a1@1.1.0\n@@ -1,2 +1,2 @@\n same\n-old\n+new\n';
    expect(colorDiff(unified, pc.createColors(true))).toEqual([
      '\x1b[1m--- a1@1.0.0\x1b[22m',
      '\x1b[1m+++ a1@1.1.0\x1b[22m',
      '\x1b[36m@@ -1,2 +1,2 @@\x1b[39m',
      ' same',
      '\x1b[31m-old\x1b[39m',
      '\x1b[32m+new\x1b[39m',
    ]);
    expect(colorDiff(unified, pc.createColors(false))).toEqual(unified.trimEnd().split('\n'));
  });
});

describe('Function: verdict', () => {
  const versions = (baseline: number, candidate: number) => [
    { version: '1.1.0', count: candidate, positive: 0, negative: 0 },
    { version: '1.0.0', count: baseline, positive: 0, negative: 0 },
  ];
  const comparison = { baseline: '1.0.0', candidate: '1.1.0', pValue: 0.01 };

  it('will not call a difference with fewer than 30 ratings a side', () => {
    expect(verdict({ ...comparison, difference: 0.4, significant: false }, versions(29, 100))).toBe(
      'Not enough ratings to tell yet: 29 for 1.0.0 and 100 for 1.1.0; at least 30 each are needed.',
    );
  });

  it('says worse, better, or no significant difference', () => {
    expect(verdict({ ...comparison, difference: 0.2, significant: true }, versions(50, 50))).toBe(
      '1.1.0 is worse: it gets significantly more negative feedback than 1.0.0.',
    );
    expect(verdict({ ...comparison, difference: -0.2, significant: true }, versions(50, 50))).toBe(
      '1.1.0 is better: it gets significantly less negative feedback than 1.0.0.',
    );
    expect(
      verdict({ ...comparison, pValue: 0.4, difference: 0.02, significant: false }, versions(50, 50)),
    ).toMatch(
      /^No significant difference: 1\.1\.0 and 1\.0\.0 get negative feedback at rates that chance alone could explain\.$/,
    );
  });
});

describe('Function: alarmOfReason', () => {
  it("finds the alarm in AppConfig's rollback reason", () => {
    expect(
      alarmOfReason(
        'Rollback initiated by alarm arn:aws:cloudwatch:eu-west-1:123456789012:alarm:PromptOps-ProdRollback-X1 (x)',
      ),
    ).toBe('PromptOps-ProdRollback-X1');
    expect(alarmOfReason('Stopped by arn:aws:iam::1:user/alice')).toBeUndefined();
    expect(alarmOfReason(undefined)).toBeUndefined();
  });
});

describe('Function: observe', () => {
  const status = {
    environment: 'prod',
    revision: 5,
    prompts: {},
    deployment: {
      number: 8,
      state: 'DEPLOYING' as const,
      percentage: 10,
      strategy: 'AllAtOnce',
      revision: 5,
      startedAt: 'x',
    },
    history: [
      {
        revision: 4,
        kind: 'deploy' as const,
        pins: {},
        deploymentNumber: 7,
        strategy: 'Canary10Percent20Minutes',
        state: 'ROLLED_BACK' as const,
        createdBy: 'a',
        createdAt: 'x',
        reason: 'alarm',
      },
    ],
  };

  it('reads the deployment being followed, or how it ended once a later one replaced it', () => {
    expect(observe(status, 8)).toMatchObject({ state: 'DEPLOYING', percentage: 10 });
    expect(observe(status, 7)).toEqual({
      state: 'ROLLED_BACK',
      percentage: 0,
      strategy: 'Canary10Percent20Minutes',
      revision: 4,
      reason: 'alarm',
    });
    expect(observe(status, 9)).toBeUndefined();
  });
});
