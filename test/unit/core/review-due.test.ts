import { describe, expect, it } from 'vitest';
import {
  mergeModelRetirements,
  parseModelRetirements,
  retirementOf,
  SHIPPED_MODEL_RETIREMENTS,
} from '../../../src/core/model-retirements.ts';
import {
  describeReason,
  type PinnedVersion,
  reviewDue,
  reviewDueMessage,
} from '../../../src/core/review-due.ts';
import { parseSettings } from '../../../src/core/settings.ts';

const NOW = new Date('2026-12-01T09:00:00.000Z');
const daysAgo = (days: number, hours = 0) =>
  new Date(NOW.getTime() - days * 86_400_000 - hours * 3_600_000).toISOString();

const pinned = (
  fields: Partial<PinnedVersion> & Pick<PinnedVersion, 'promptId' | 'createdAt'>,
): PinnedVersion => ({
  version: '1.0.0',
  environments: ['prod'],
  ...fields,
});

describe('Function: reviewDue', () => {
  it('lists a version published reviewEveryDays ago or more, and not one a day younger', () => {
    const items = reviewDue(
      [
        pinned({ promptId: 'fresh', createdAt: daysAgo(179, 23) }),
        pinned({ promptId: 'due', createdAt: daysAgo(180), owner: 'support-team' }),
        pinned({ promptId: 'old', createdAt: daysAgo(400) }),
      ],
      { now: NOW, reviewEveryDays: 180, retirements: [] },
    );
    expect(items.map((i) => i.promptId)).toEqual(['old', 'due']);
    expect(items[1]).toEqual({
      promptId: 'due',
      version: '1.0.0',
      owner: 'support-team',
      environments: ['prod'],
      createdAt: daysAgo(180),
      reasons: [{ kind: 'age', ageDays: 180, reviewEveryDays: 180 }],
    });
  });

  it('moves with the clock: the same version is due a day later', () => {
    const version = [pinned({ promptId: 'support-reply', createdAt: '2026-06-04T09:00:00.000Z' })];
    const options = { reviewEveryDays: 180, retirements: [] };
    expect(reviewDue(version, { ...options, now: new Date('2026-11-30T09:00:00.000Z') })).toEqual([]);
    expect(reviewDue(version, { ...options, now: new Date('2026-12-01T09:00:00.000Z') })).toHaveLength(1);
  });

  it('lists a recent version whose model is retiring, with the days left and the replacement', () => {
    const retirements = [
      { modelId: 'anthropic.claude-v2', retiresOn: '2026-12-31', replacement: 'anthropic.claude-sonnet-4' },
    ];
    const [item] = reviewDue(
      [pinned({ promptId: 'summarize', createdAt: daysAgo(3), modelId: 'anthropic.claude-v2' })],
      { now: NOW, reviewEveryDays: 180, retirements },
    );
    expect(item?.reasons).toEqual([
      {
        kind: 'model-retirement',
        modelId: 'anthropic.claude-v2',
        retiresOn: '2026-12-31',
        daysLeft: 30,
        replacement: 'anthropic.claude-sonnet-4',
      },
    ]);
    expect(describeReason(item?.reasons[0] as never)).toBe(
      'model anthropic.claude-v2 retires on 2026-12-31 (in 30 days); move to anthropic.claude-sonnet-4',
    );
  });

  it('matches a cross-region inference profile to its model, and words a past date as retired', () => {
    const retirements = [{ modelId: 'anthropic.claude-v2', retiresOn: '2026-11-01' }];
    const [item] = reviewDue(
      [pinned({ promptId: 'summarize', createdAt: daysAgo(200), modelId: 'us.anthropic.claude-v2' })],
      { now: NOW, reviewEveryDays: 180, retirements },
    );
    expect(item?.reasons.map((r) => r.kind)).toEqual(['age', 'model-retirement']);
    expect(describeReason(item?.reasons[1] as never)).toBe(
      'model us.anthropic.claude-v2 retired on 2026-11-01',
    );
  });

  it('leaves out versions on other models and those not yet due', () => {
    const retirements = [{ modelId: 'anthropic.claude-v2', retiresOn: '2026-12-31' }];
    expect(
      reviewDue([pinned({ promptId: 'x', createdAt: daysAgo(10), modelId: 'anthropic.claude-v2:1' })], {
        now: NOW,
        reviewEveryDays: 180,
        retirements,
      }),
    ).toEqual([]);
  });
});

describe('Function: reviewDueMessage', () => {
  it('groups the versions by owner, naming environments and reasons', () => {
    const items = reviewDue(
      [
        pinned({
          promptId: 'b-prompt',
          createdAt: daysAgo(200),
          owner: 'search',
          environments: ['staging', 'prod'],
        }),
        pinned({ promptId: 'a-prompt', createdAt: daysAgo(300) }),
      ],
      { now: NOW, reviewEveryDays: 180, retirements: [] },
    );
    const message = reviewDueMessage(items, 180);
    expect(message.split('\n')).toEqual([
      '2 pinned prompt versions are due for review (review every 180 days, or before the model retires).',
      '',
      'Owner: (no owner in front matter)',
      '- a-prompt@1.0.0 in prod',
      '    published 300 days ago (review every 180 days)',
      '',
      'Owner: search',
      '- b-prompt@1.0.0 in staging, prod',
      '    published 200 days ago (review every 180 days)',
      '',
      'Review each prompt, publish and deploy a new version, or run `promptops review-due` for the list.',
    ]);
  });
});

describe('Model retirements', () => {
  it('ships a list that parses', () => {
    expect(Array.isArray(SHIPPED_MODEL_RETIREMENTS)).toBe(true);
  });

  it('lets a deployment add entries and replace a shipped one by model id', () => {
    const base = [
      { modelId: 'a.model', retiresOn: '2027-01-01' },
      { modelId: 'b.model', retiresOn: '2027-02-01' },
    ];
    expect(
      mergeModelRetirements(
        [
          { modelId: 'b.model', retiresOn: '2026-12-15' },
          { modelId: 'c.model', retiresOn: '2027-03-01' },
        ],
        base,
      ),
    ).toEqual([
      { modelId: 'b.model', retiresOn: '2026-12-15' },
      { modelId: 'a.model', retiresOn: '2027-01-01' },
      { modelId: 'c.model', retiresOn: '2027-03-01' },
    ]);
    expect(retirementOf('eu.b.model', base)).toEqual(base[1]);
  });

  it('names every bad entry', () => {
    expect(() =>
      parseModelRetirements([
        { modelId: 'ok.model', retiresOn: '2027-02-30' },
        { modelId: '', retiresOn: '2027-01-01', extra: 1 },
        'not an object',
      ]),
    ).toThrow(
      expect.objectContaining({
        errors: [
          { path: 'modelRetirements.0.retiresOn', message: 'must be a date YYYY-MM-DD (got "2027-02-30")' },
          { path: 'modelRetirements.1.extra', message: 'is not a retirement field' },
          { path: 'modelRetirements.1.modelId', message: 'must be a model id (got "")' },
          { path: 'modelRetirements.2', message: 'must be an object {modelId, retiresOn, replacement?}' },
        ],
      }),
    );
  });

  it('is a setting: a list or its JSON text, checked with the other settings', () => {
    const list = [{ modelId: 'anthropic.claude-v2', retiresOn: '2026-12-31' }];
    expect(parseSettings({ modelRetirements: list }).modelRetirements).toEqual(list);
    expect(parseSettings({ modelRetirements: JSON.stringify(list) }).modelRetirements).toEqual(list);
    expect(parseSettings({ modelRetirements: '' }).modelRetirements).toEqual([]);
    expect(parseSettings({}).reviewEveryDays).toBe(180);
    expect(() => parseSettings({ modelRetirements: '[{', reviewEveryDays: 0 })).toThrow(
      expect.objectContaining({
        errors: [
          { path: 'reviewEveryDays', message: 'must be a whole number at least 1 and at most 3650 (got 0)' },
          {
            path: 'modelRetirements',
            message: 'must be a JSON list of {modelId, retiresOn, replacement?} (got "[{")',
          },
        ],
      }),
    );
  });
});
