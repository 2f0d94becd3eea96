import { describe, expect, it } from 'vitest';
import { buildChangelog, changelogDocument, changeType } from '../../../src/cli/report/changelog.ts';
import {
  buildDeployment,
  changedPrompts,
  deploymentDocument,
  findDeployment,
} from '../../../src/cli/report/deployment.ts';
import { chartsOf } from '../../../src/cli/report/document.ts';
import { buildExperiment, collectExperiment, splitStart } from '../../../src/cli/report/experiment.ts';
import {
  buildFeedback,
  COMMENT_CHARACTERS,
  feedbackDocument,
  fetchComments,
  fetchSegmentItems,
  MAX_SEGMENT_ITEMS_READ,
  shortenComment,
} from '../../../src/cli/report/feedback.ts';
import { chartConfig, renderHtml } from '../../../src/cli/report/html.ts';
import { renderMarkdown } from '../../../src/cli/report/markdown.ts';
import { buildModelCompat } from '../../../src/cli/report/model-compat.ts';
import { buildPerformance, performanceDocument } from '../../../src/cli/report/performance.ts';
import {
  buildReleasePlan,
  type ReleasePlanInputs,
  releasePlanDocument,
} from '../../../src/cli/report/release-plan.ts';
import { rolloutTimeline, strategySteps } from '../../../src/cli/report/rollout-timeline.ts';
import type {
  EnvironmentStatusResponse,
  EvaluationRun,
  FeedbackItem,
  MetricPoint,
  RevisionEntry,
} from '../../../src/core/api.ts';
import { type DeploymentStrategySpec, PREDEFINED_STRATEGIES } from '../../../src/core/contracts.ts';
import { parseSettings } from '../../../src/core/settings.ts';
import { wilsonInterval } from '../../../src/core/statistics.ts';
import { exampleDocument } from '../../fixtures/registry.ts';

const NOW = new Date('2026-11-20T12:00:00.000Z');

function strategy(name: string): DeploymentStrategySpec {
  const spec = PREDEFINED_STRATEGIES[name];
  if (!spec) throw new Error(`no predefined strategy ${name}`);
  return spec;
}

function point(at: string, fields: Partial<MetricPoint>): MetricPoint {
  return {
    at,
    count: 0,
    errors: 0,
    latencyP50: null,
    latencyP99: null,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    ratings: 0,
    negativeRatings: 0,
    ...fields,
  };
}

function revision(fields: Partial<RevisionEntry> & Pick<RevisionEntry, 'revision' | 'pins'>): RevisionEntry {
  return {
    kind: 'deploy',
    strategy: 'AllAtOnce',
    state: 'COMPLETE',
    createdBy: 'arn:aws:iam::1:user/alice',
    createdAt: '2026-11-01T00:00:00.000Z',
    ...fields,
  };
}

describe('Report: changelog', () => {
  const report = buildChangelog({
    promptId: 'support-reply',
    prompt: {
      id: 'support-reply',
      latestVersion: '1.1.0',
      environments: {
        prod: '1.0.0',
        dev: {
          variants: [
            { version: '1.0.0', weight: 80 },
            { version: '1.1.0', weight: 20 },
          ],
        },
      },
    },
    versions: [
      {
        version: '1.1.0',
        sha256: 'b',
        createdBy: 'alice',
        createdAt: '2026-11-10T09:00:00.000Z',
        message: 'Tone option',
        approvals: [],
      },
      {
        version: '1.0.0',
        sha256: 'a',
        createdBy: 'alice',
        createdAt: '2026-11-01T09:00:00.000Z',
        message: null,
        approvals: [{ by: 'bob', at: '2026-11-02T10:00:00.000Z', comment: 'ok' }],
      },
    ],
    bumps: {
      '1.1.0': {
        level: 'minor',
        reasons: ['optional variable "tone" added', 'variable "x" removed', 'description changed'],
      },
      '1.0.0': { level: 'major', reasons: ['first version'] },
    },
    now: NOW,
  });

  it('lists every version newest first with its date, author, bump, approvals and deployments', () => {
    expect(report.versions).toEqual([
      {
        version: '1.1.0',
        date: '2026-11-10T09:00:00.000Z',
        author: 'alice',
        message: 'Tone option',
        bump: {
          level: 'minor',
          reasons: ['optional variable "tone" added', 'variable "x" removed', 'description changed'],
        },
        approvals: [],
        deployedIn: [{ environment: 'dev', weight: 20 }],
      },
      {
        version: '1.0.0',
        date: '2026-11-01T09:00:00.000Z',
        author: 'alice',
        message: null,
        bump: { level: 'major', reasons: ['first version'] },
        approvals: [{ by: 'bob', at: '2026-11-02T10:00:00.000Z', comment: 'ok' }],
        deployedIn: [
          { environment: 'prod', weight: 100 },
          { environment: 'dev', weight: 80 },
        ],
      },
    ]);
    expect(report.generatedAt).toBe(NOW.toISOString());
  });

  it('lays Markdown out as Keep a Changelog: ## [version] - date, then Added, Changed, Removed', () => {
    const md = renderMarkdown(changelogDocument(report));
    expect(md.startsWith('# Changelog: support-reply\n')).toBe(true);
    expect(md.match(/^## .*$/gm)).toEqual(['## [1.1.0] - 2026-11-10', '## [1.0.0] - 2026-11-01']);
    expect(md.match(/^### .*$/gm)).toEqual(['### Added', '### Changed', '### Removed', '### Changed']);
    expect(md).toContain('- Deployed in: prod, dev (80%)');
    expect(md).toContain('- Approved by: bob (2026-11-02)');
  });

  it('sorts bump reasons into change types', () => {
    expect(changeType('required variable "a" added (callers must pass it)')).toBe('Added');
    expect(changeType('variable "a" removed')).toBe('Removed');
    expect(changeType('section "role" text changed')).toBe('Changed');
  });
});

describe('Report: performance', () => {
  const history = {
    environment: 'prod',
    since: '2026-11-19T12:00:00.000Z',
    until: '2026-11-20T12:00:00.000Z',
    period: 3600,
    series: [
      {
        version: '1.1.0',
        role: 'primary' as const,
        points: [
          point('2026-11-20T10:00:00.000Z', {
            count: 30,
            errors: 1,
            latencyP50: 200,
            latencyP99: 800,
            costUsd: 0.3,
          }),
          point('2026-11-20T11:00:00.000Z', { count: 10, latencyP50: 220, latencyP99: 600, costUsd: 0.1 }),
        ],
      },
    ],
  };
  const totals = {
    ...history,
    period: 86_400,
    series: [
      {
        version: '1.1.0',
        role: 'primary' as const,
        points: [
          point(history.since, {
            count: 40,
            errors: 2,
            latencyP50: 205,
            latencyP99: 790,
            inputTokens: 16_000,
            outputTokens: 4000,
            costUsd: 0.4,
          }),
        ],
      },
    ],
  };
  const report = buildPerformance({ promptId: 'support-reply', totals, history, now: NOW });

  it('gives each version its latency percentiles, error rate, tokens and cost per call and per day', () => {
    expect(report.versions).toEqual([
      {
        version: '1.1.0',
        calls: 40,
        errors: 2,
        errorRate: 0.05,
        latencyP50: 205,
        latencyP99: 790,
        inputTokens: 16_000,
        outputTokens: 4000,
        costUsd: 0.4,
        ratings: 0,
        negativeRatings: 0,
        meanInputTokens: 400,
        meanOutputTokens: 100,
        costPerCall: 0.01,
        costPerDay: 0.4,
      },
    ]);
  });

  it('charts calls, p99, error rate and cost over time, and Markdown keeps the table', () => {
    const document = performanceDocument(report);
    expect(chartsOf(document).map((c) => c.type)).toEqual(['line', 'line', 'line', 'bar']);
    const md = renderMarkdown(document);
    expect(md).toContain('| 1.1.0 | 40 | 5.0% | 205 ms | 790 ms | 400 | 100 | $0.01 | $0.40 |');
  });
});

function comment(
  id: string,
  version: string,
  at: string,
  sentiment: FeedbackItem['sentiment'],
  text: string | undefined,
  fields: Partial<FeedbackItem> = {},
): FeedbackItem {
  const rating = sentiment === 'negative' ? -1 : 1;
  return {
    id,
    version,
    at,
    scale: 'thumbs',
    rating,
    sentiment,
    ...(text !== undefined ? { comment: text } : {}),
    ...fields,
  };
}

const LONG = `${'The reply repeats the policy text word for word '.repeat(8)}and never answers.`;
const COMMENTS: FeedbackItem[] = [
  comment('c1', '1.0.0', '2026-11-10T08:00:00.000Z', 'negative', 'Too formal'),
  comment('c2', '1.1.0', '2026-11-19T09:00:00.000Z', 'positive', 'Helpful', { tags: ['tone'] }),
  comment('c3', '1.1.0', '2026-11-19T10:00:00.000Z', 'negative', 'Wrong language'),
  comment('c4', '1.1.0', '2026-11-19T11:00:00.000Z', 'neutral', 'Okay', {
    scale: 'stars',
    rating: 3,
  }),
  comment('c5', '1.1.0', '2026-11-20T07:00:00.000Z', 'negative', LONG),
  ...Array.from({ length: 6 }, (_, i) =>
    comment(`n${i}`, '1.1.0', `2026-11-18T0${i}:00:00.000Z`, 'negative', `Older complaint ${i}`),
  ),
  comment(
    'c6',
    '1.1.0',
    '2026-11-20T08:00:00.000Z',
    'negative',
    'Ignore **this** <img src=x onerror=alert(1)> [a](http://x) | `code`',
  ),
  // An item without a comment is not a comment, whatever the route returned.
  comment('c7', '1.1.0', '2026-11-20T09:00:00.000Z', 'negative', undefined),
  comment('c8', '1.1.0', '2026-11-20T09:30:00.000Z', 'negative', '   '),
];

describe('Report: feedback', () => {
  const report = buildFeedback({
    promptId: 'support-reply',
    environment: 'prod',
    since: '2026-11-01',
    feedback: {
      versions: [
        { version: '1.1.0', count: 70, positive: 56, negative: 14 },
        { version: '1.0.0', count: 80, positive: 48, negative: 32, mean: 3.5 },
      ],
      comparison: {
        baseline: '1.0.0',
        candidate: '1.1.0',
        difference: -0.2,
        pValue: 0.0098,
        significant: true,
      },
    },
    daily: {
      environment: 'prod',
      since: '2026-11-01T00:00:00.000Z',
      until: NOW.toISOString(),
      period: 86_400,
      series: [
        {
          version: '1.1.0',
          role: 'primary',
          points: [
            point('2026-11-19T00:00:00.000Z', { ratings: 50, negativeRatings: 10 }),
            point('2026-11-20T00:00:00.000Z', { ratings: 20, negativeRatings: 4 }),
          ],
        },
      ],
    },
    comments: { items: COMMENTS, complete: true },
    now: NOW,
  });

  it('gives the positive share with its Wilson interval, and the comparison with the Newcombe interval', () => {
    expect(report.versions[0]).toEqual({
      version: '1.1.0',
      count: 70,
      positive: 56,
      negative: 14,
      positiveShare: 0.8,
      interval: wilsonInterval({ successes: 56, trials: 70 }),
    });
    expect(report.versions[1]?.mean).toBe(3.5);
    // Newcombe (1998) Table II, method 10: 56/70 − 48/80 is 0.0524 to 0.3339; negative rates flip the sign.
    expect(report.comparison?.differenceInterval.low).toBeCloseTo(-0.3339, 4);
    expect(report.comparison?.differenceInterval.high).toBeCloseTo(-0.0524, 4);
  });

  it('trends per day and version from the daily metrics', () => {
    expect(report.days).toEqual([
      { day: '2026-11-19', version: '1.1.0', ratings: 50, negative: 10, positiveShare: 0.8 },
      { day: '2026-11-20', version: '1.1.0', ratings: 20, negative: 4, positiveShare: 0.8 },
    ]);
    const document = feedbackDocument(report);
    expect(chartsOf(document).map((c) => c.type)).toEqual(['interval', 'line']);
  });

  it('groups the comments by version, newest first, and by rating, negative first, with counts', () => {
    const { comments } = report;
    expect(comments.read).toBe(12);
    expect(comments.complete).toBe(true);
    expect(comments.groups.map((g) => [g.version, g.sentiment, g.count, g.recent.length])).toEqual([
      ['1.1.0', 'negative', 9, 5],
      ['1.1.0', 'neutral', 1, 1],
      ['1.1.0', 'positive', 1, 1],
      ['1.0.0', 'negative', 1, 1],
    ]);
    const negative = comments.groups[0];
    // The 5 most recent, newest first: the older complaints beyond them are counted, not shown.
    expect(negative?.recent.map((t) => t.at)).toEqual([
      '2026-11-20T08:00:00.000Z',
      '2026-11-20T07:00:00.000Z',
      '2026-11-19T10:00:00.000Z',
      '2026-11-18T05:00:00.000Z',
      '2026-11-18T04:00:00.000Z',
    ]);
    expect(negative?.recent[1]).toEqual({
      at: '2026-11-20T07:00:00.000Z',
      scale: 'thumbs',
      rating: -1,
      text: shortenComment(LONG).text,
      truncated: true,
    });
    expect(negative?.recent[2]).toEqual({
      at: '2026-11-19T10:00:00.000Z',
      scale: 'thumbs',
      rating: -1,
      text: 'Wrong language',
      truncated: false,
    });
    expect(comments.groups[1]?.recent[0]).toEqual({
      at: '2026-11-19T11:00:00.000Z',
      scale: 'stars',
      rating: 3,
      text: 'Okay',
      truncated: false,
    });
    expect(comments.groups[2]?.recent[0]).toEqual({
      at: '2026-11-19T09:00:00.000Z',
      scale: 'thumbs',
      rating: 1,
      text: 'Helpful',
      truncated: false,
      tags: ['tone'],
    });
    // JSON is the data as built.
    expect(JSON.parse(JSON.stringify(report)).comments).toEqual(comments);
  });

  it('cuts a long comment at a word, on one line, never inside an emoji', () => {
    const cut = shortenComment(LONG);
    expect(cut.truncated).toBe(true);
    expect(Array.from(cut.text).length).toBeLessThanOrEqual(COMMENT_CHARACTERS + 1);
    expect(cut.text.endsWith('…')).toBe(true);
    expect(LONG.startsWith(cut.text.slice(0, -1))).toBe(true);
    expect(LONG.charAt(cut.text.length - 1)).toBe(' ');
    expect(shortenComment('two\n\nlines\t here ')).toEqual({ text: 'two lines here', truncated: false });
    const emoji = shortenComment('😀'.repeat(COMMENT_CHARACTERS + 10));
    expect(Array.from(emoji.text)).toEqual([...Array(COMMENT_CHARACTERS).fill('😀'), '…']);
  });

  it('shows the groups in Markdown: a count table, a section per version, texts escaped', () => {
    const md = renderMarkdown(feedbackDocument(report));
    const comments = md.slice(md.indexOf('## Comments'));
    expect(comments).toContain('12 comments in this window.');
    expect(comments).toContain('| Version | Negative | Neutral | Positive |');
    expect(comments).toContain('| 1.1.0 | 9 | 1 | 1 |');
    expect(comments).toContain('| 1.0.0 | 1 | 0 | 0 |');
    const headings = [...comments.matchAll(/^### (.+)$/gm)].map((m) => m[1]);
    expect(headings).toEqual(['Comments on 1.1.0', 'Comments on 1.0.0']);
    const v110 = comments.slice(
      comments.indexOf('### Comments on 1.1.0'),
      comments.indexOf('### Comments on 1.0.0'),
    );
    expect(v110.indexOf('**Negative** (9 comments, the 5 most recent):')).toBeLessThan(
      v110.indexOf('**Neutral** (1 comment):'),
    );
    expect(v110.indexOf('**Neutral**')).toBeLessThan(v110.indexOf('**Positive** (1 comment):'));
    expect(v110).toContain('- 2026-11-19 10:00 UTC, thumbs down: Wrong language');
    expect(v110).toContain('- 2026-11-19 11:00 UTC, 3 stars: Okay');
    // A comment cannot format the report, embed HTML or make a link.
    expect(v110).toContain(
      '- 2026-11-20 08:00 UTC, thumbs down: Ignore \\*\\*this\\*\\* \\<img src=x onerror=alert(1)\\> \\[a\\](http://x) \\| \\`code\\`',
    );
    expect(v110).not.toContain('Older complaint 0');
    expect(md).toContain('Older complaint 5');
  });

  it('shows the groups in HTML with every text escaped and quoted', () => {
    const html = renderHtml(feedbackDocument(report), '/* chart.js */');
    expect(html).toContain('<h2>Comments</h2>');
    expect(html).toMatch(/<h3>Comments on 1\.1\.0<\/h3>[\s\S]*<h3>Comments on 1\.0\.0<\/h3>/);
    expect(html).toContain('<q>Wrong language</q>');
    expect(html).toContain(
      '<q>Ignore **this** &lt;img src=x onerror=alert(1)&gt; [a](http://x) | `code`</q>',
    );
    expect(html).not.toContain('<img');
    expect(html).toContain('<strong>Negative</strong> (9 comments, the 5 most recent):');
  });

  it('says when there are no comments, and when only the most recent were read', () => {
    const none = buildFeedback({ ...inputsWith({ items: [], complete: true }) });
    expect(none.comments).toEqual({ read: 0, complete: true, groups: [] });
    expect(renderMarkdown(feedbackDocument(none))).toContain('No comments in this window.');
    const partial = buildFeedback(inputsWith({ items: COMMENTS.slice(0, 2), complete: false }));
    expect(partial.comments.complete).toBe(false);
    expect(renderMarkdown(feedbackDocument(partial))).toContain(
      'The 2 most recent comments of this window (there are more): counts cover those.',
    );
  });

  it('reads the commented items of the window page by page, up to 1,000', async () => {
    const calls: Record<string, string | undefined>[] = [];
    const page = (n: number) =>
      Array.from({ length: 100 }, (_, i) =>
        comment(`p${n}-${i}`, '1.1.0', NOW.toISOString(), 'negative', 'x'),
      );
    const api = {
      get: async (path: string, query: Record<string, string | undefined> = {}) => {
        expect(path).toBe('/prompts/support-reply/feedback/items');
        calls.push(query);
        const n = calls.length;
        return { environment: 'prod', items: page(n), nextCursor: `cursor-${n}` };
      },
      getAll: async () => [],
      post: async () => ({}),
    } as unknown as Parameters<typeof fetchComments>[0];
    const result = await fetchComments(api, 'support-reply', {
      environment: 'prod',
      since: '2026-11-01',
      until: NOW.toISOString(),
    });
    expect(result.items).toHaveLength(1000);
    expect(result.complete).toBe(false);
    expect(calls).toHaveLength(10);
    expect(calls[0]).toEqual({
      environment: 'prod',
      since: '2026-11-01',
      until: NOW.toISOString(),
      commented: 'true',
      limit: '100',
    });
    expect(calls[1]?.cursor).toBe('cursor-1');
  });
});

describe('Report: feedback filtered by segment', () => {
  const beta = { segment: 'beta' };
  const items: FeedbackItem[] = [
    comment('s1', '1.2.0', '2026-11-20T09:00:00.000Z', 'negative', 'Wrong language', beta),
    comment('s2', '1.2.0', '2026-11-20T08:00:00.000Z', 'positive', undefined, beta),
    comment('s3', '1.2.0', '2026-11-19T10:00:00.000Z', 'positive', undefined, {
      ...beta,
      scale: 'stars',
      rating: 5,
    }),
    comment('s4', '1.2.0', '2026-11-19T09:00:00.000Z', 'neutral', 'Okay', {
      ...beta,
      scale: 'stars',
      rating: 3,
    }),
    comment('s5', '1.1.0', '2026-11-18T09:00:00.000Z', 'negative', undefined, beta),
  ];
  const report = buildFeedback({
    promptId: 'support-reply',
    environment: 'prod',
    since: '2026-11-01',
    segment: { name: 'beta', items, complete: true },
    now: NOW,
  });

  it('counts the versions from the segment items, with Wilson intervals and the mean of star ratings', () => {
    expect(report.kind).toBe('feedback');
    expect(report.promptId).toBe('support-reply');
    expect(report.environment).toBe('prod');
    expect(report.since).toBe('2026-11-01');
    expect(report.generatedAt).toBe(NOW.toISOString());
    expect(report.segment).toEqual({ name: 'beta', itemsRead: 5, complete: true });
    expect(report.versions).toEqual([
      {
        version: '1.2.0',
        count: 4,
        positive: 2,
        negative: 1,
        mean: 4,
        positiveShare: 0.5,
        interval: wilsonInterval({ successes: 2, trials: 4 }),
      },
      {
        version: '1.1.0',
        count: 1,
        positive: 0,
        negative: 1,
        positiveShare: 0,
        interval: wilsonInterval({ successes: 0, trials: 1 }),
      },
    ]);
    expect(report.comparison).toBeUndefined();
  });

  it('gives the trend per UTC day and version, and the comment groups, from the same items', () => {
    expect(report.days).toEqual([
      { day: '2026-11-18', version: '1.1.0', ratings: 1, negative: 1, positiveShare: 0 },
      { day: '2026-11-19', version: '1.2.0', ratings: 2, negative: 0, positiveShare: 1 },
      { day: '2026-11-20', version: '1.2.0', ratings: 2, negative: 1, positiveShare: 0.5 },
    ]);
    expect(report.comments).toEqual({
      read: 2,
      complete: true,
      groups: [
        {
          version: '1.2.0',
          sentiment: 'negative',
          count: 1,
          recent: [
            {
              at: '2026-11-20T09:00:00.000Z',
              scale: 'thumbs',
              rating: -1,
              text: 'Wrong language',
              truncated: false,
            },
          ],
        },
        {
          version: '1.2.0',
          sentiment: 'neutral',
          count: 1,
          recent: [
            { at: '2026-11-19T09:00:00.000Z', scale: 'stars', rating: 3, text: 'Okay', truncated: false },
          ],
        },
      ],
    });
  });

  it('says in the document that it is filtered by segment, and why there is no comparison', () => {
    const markdown = renderMarkdown(feedbackDocument(report));
    expect(markdown).toContain('Feedback report: support-reply in prod, segment beta');
    expect(markdown).toContain(
      'Filtered by segment beta: computed from the 5 feedback items given under its pin.',
    );
    expect(markdown).toContain('No comparison: the report filtered by segment has none');
    const unfiltered = renderMarkdown(
      feedbackDocument(buildFeedback(inputsWith({ items: [], complete: true }))),
    );
    expect(unfiltered).not.toContain('segment');
  });

  it('says when the segment had more items than it reads', () => {
    const partial = buildFeedback({
      promptId: 'support-reply',
      environment: 'prod',
      since: '2026-11-01',
      segment: { name: 'beta', items, complete: false },
      now: NOW,
    });
    expect(partial.segment?.complete).toBe(false);
    expect(renderMarkdown(feedbackDocument(partial))).toContain(
      `(the most recent ${MAX_SEGMENT_ITEMS_READ}; there are more)`,
    );
  });

  it('reads every item of the segment in the window page by page, the segment in each query', async () => {
    const calls: Record<string, string | undefined>[] = [];
    const api = {
      get: async (path: string, query: Record<string, string | undefined> = {}) => {
        expect(path).toBe('/prompts/support-reply/feedback/items');
        calls.push(query);
        const n = calls.length;
        return {
          environment: 'prod',
          items: items.slice((n - 1) * 2, n * 2),
          ...(n < 3 ? { nextCursor: `cursor-${n}` } : {}),
        };
      },
      getAll: async () => [],
      post: async () => ({}),
    } as unknown as Parameters<typeof fetchSegmentItems>[0];
    const result = await fetchSegmentItems(api, 'support-reply', {
      environment: 'prod',
      since: '2026-11-01',
      until: NOW.toISOString(),
      segment: 'beta',
    });
    expect(result).toEqual({ items, complete: true });
    expect(calls).toEqual([
      { environment: 'prod', since: '2026-11-01', until: NOW.toISOString(), segment: 'beta', limit: '100' },
      {
        environment: 'prod',
        since: '2026-11-01',
        until: NOW.toISOString(),
        segment: 'beta',
        limit: '100',
        cursor: 'cursor-1',
      },
      {
        environment: 'prod',
        since: '2026-11-01',
        until: NOW.toISOString(),
        segment: 'beta',
        limit: '100',
        cursor: 'cursor-2',
      },
    ]);
  });
});

function inputsWith(comments: {
  items: FeedbackItem[];
  complete: boolean;
}): Parameters<typeof buildFeedback>[0] {
  return {
    promptId: 'support-reply',
    environment: 'prod',
    since: '2026-11-01',
    feedback: { versions: [] },
    daily: { environment: 'prod', since: '', until: '', period: 86_400, series: [] },
    comments,
    now: NOW,
  };
}

const splitPin = {
  variants: [
    { version: '1.0.0', weight: 50 },
    { version: '1.1.0', weight: 50 },
  ],
};
const splitStatus: EnvironmentStatusResponse = {
  environment: 'prod',
  revision: 4,
  prompts: { 'support-reply': splitPin },
  deployment: null,
  history: [
    revision({
      revision: 4,
      pins: { 'support-reply': splitPin, other: '2.0.0' },
      createdAt: '2026-11-15T00:00:00.000Z',
    }),
    revision({ revision: 3, pins: { 'support-reply': splitPin }, createdAt: '2026-11-12T00:00:00.000Z' }),
    revision({ revision: 2, pins: { 'support-reply': '1.0.0' }, createdAt: '2026-11-05T00:00:00.000Z' }),
  ],
};

describe('Report: experiment', () => {
  it('starts the window where the environment began serving the split', () => {
    expect(splitStart(splitStatus, 'support-reply')).toBe('2026-11-12T00:00:00.000Z');
    expect(splitStart(splitStatus, 'nothing')).toBeUndefined();
  });

  it('compares each variant with the control: samples, rates, difference, p-value and verdict', () => {
    const report = buildExperiment({
      promptId: 'support-reply',
      environment: 'prod',
      status: splitStatus,
      feedback: {
        versions: [
          { version: '1.1.0', count: 1000, positive: 150, negative: 850 },
          { version: '1.0.0', count: 1000, positive: 100, negative: 900 },
        ],
      },
      metrics: { environment: 'prod', since: '', until: '', period: 60, series: [] },
      since: '2026-11-12T00:00:00.000Z',
      now: NOW,
    });
    expect(report.variants.map((v) => [v.version, v.weight, v.ratings, v.positive, v.positiveRate])).toEqual([
      ['1.0.0', 50, 1000, 100, 0.1],
      ['1.1.0', 50, 1000, 150, 0.15],
    ]);
    expect(report.comparisons).toHaveLength(1);
    expect(report.comparisons[0]).toMatchObject({
      control: '1.0.0',
      variant: '1.1.0',
      verdict: 'significant-winner',
      winner: 'variant',
    });
    expect(report.comparisons[0]?.pValue).toBeCloseTo(0.0007232327164301555, 8);
    expect(report.comparisons[0]?.summary).toBe(
      "1.1.0 wins: its positive rate is 5.0 points higher than 1.0.0's, p = 0.0007.",
    );
  });

  it('refuses a prompt without a split, saying how to start one', async () => {
    const api = {
      get: async () => ({ ...splitStatus, prompts: { 'support-reply': '1.0.0' } }),
      getAll: async () => [],
      post: async () => ({ status: 200, body: {} }),
    };
    await expect(collectExperiment(api as never, 'support-reply', 'prod', NOW)).rejects.toThrow(
      'support-reply runs no A/B split in prod: it is pinned to 1.0.0',
    );
  });
});

describe('Report: deployment', () => {
  const status: EnvironmentStatusResponse = {
    environment: 'prod',
    revision: 3,
    prompts: { 'support-reply': '1.1.0', other: '2.0.0' },
    deployment: {
      number: 3,
      state: 'ROLLED_BACK',
      percentage: 0,
      strategy: 'Canary10Percent20Minutes',
      revision: 3,
      startedAt: '2026-11-20T10:00:00.000Z',
      endedAt: '2026-11-20T10:09:00.000Z',
      reason: 'canary: error rate',
      analysis: [
        {
          promptId: 'support-reply',
          baseline: '1.0.0',
          candidate: '1.1.0',
          metric: 'errorRate',
          baselineValue: 0.01,
          candidateValue: 0.3,
          samples: { baseline: 100, candidate: 60 },
          pValue: 1e-8,
          verdict: 'fail',
        },
      ],
    },
    history: [
      revision({
        revision: 3,
        deploymentNumber: 3,
        state: 'ROLLED_BACK',
        strategy: 'Canary10Percent20Minutes',
        pins: { 'support-reply': '1.1.0', other: '2.0.0' },
        createdAt: '2026-11-20T10:00:00.000Z',
      }),
      revision({
        revision: 2,
        deploymentNumber: 2,
        state: 'ROLLED_BACK',
        pins: { 'support-reply': '0.9.0', other: '2.0.0' },
      }),
      revision({ revision: 1, deploymentNumber: 1, pins: { 'support-reply': '1.0.0', other: '2.0.0' } }),
    ],
  };

  it('finds the deployment and the pins served before it (the last completed revision)', () => {
    const { revision: found, previousPins } = findDeployment(status, undefined);
    expect(found.revision).toBe(3);
    expect(previousPins).toEqual({ 'support-reply': '1.0.0', other: '2.0.0' });
    expect(changedPrompts(found.pins, previousPins)).toEqual(['support-reply']);
    expect(() => findDeployment(status, 9)).toThrow('prod has no deployment number 9 in its history');
  });

  it('reports the change, approvals, timeline cut at the rollback, and the canary verdicts', () => {
    const { revision: found, previousPins } = findDeployment(status, 3);
    const report = buildDeployment({
      environment: 'prod',
      status,
      revision: found,
      previousPins,
      versions: [
        {
          id: 'support-reply',
          version: '1.1.0',
          sha256: 'b',
          createdBy: 'alice',
          createdAt: '2026-11-19T00:00:00.000Z',
          message: null,
          document: '',
          bump: { level: 'minor', reasons: [] },
          approvals: [{ by: 'bob', at: '2026-11-19T01:00:00.000Z' }],
        },
      ],
      diffs: {
        'support-reply': {
          from: '1.0.0',
          to: '1.1.0',
          unified: '',
          bump: { level: 'minor', reasons: ['optional variable "tone" added'] },
        },
      },
      evaluations: [],
      ending: { at: '2026-11-20T10:09:00.000Z', state: 'ROLLED_BACK', reason: 'canary: error rate' },
      spec: strategy('Canary10Percent20Minutes'),
      before: {},
      during: {},
      now: NOW,
    });
    expect(report).toMatchObject({
      deploymentNumber: 3,
      state: 'ROLLED_BACK',
      reason: 'canary: error rate',
      endedAt: '2026-11-20T10:09:00.000Z',
    });
    expect(report.changes).toEqual([
      {
        promptId: 'support-reply',
        before: '1.0.0',
        after: '1.1.0',
        bump: { level: 'minor', reasons: ['optional variable "tone" added'] },
        approvals: [{ version: '1.1.0', approvals: [{ by: 'bob', at: '2026-11-19T01:00:00.000Z' }] }],
      },
    ]);
    // Steps every 4 minutes at the strategy's own pace, up to the rollback at minute 9.
    expect(report.timeline.map((t) => [t.at.slice(11, 16), t.event, t.percentage])).toEqual([
      ['10:00', 'start', 0],
      ['10:04', 'step', 10],
      ['10:08', 'step', 20],
      ['10:09', 'rolled-back', 0],
    ]);
    expect(report.analysis).toHaveLength(1);
    const md = renderMarkdown(deploymentDocument(report));
    expect(md).toContain(
      '| support-reply | 1.0.0 | 1.1.0 | errorRate | 1.0% | 30.0% | 100 / 60 | 1.0e-8 | fail |',
    );
  });

  it('lays a completed rollout over its actual duration (local mode runs strategies faster)', () => {
    const timeline = rolloutTimeline({
      startedAt: '2026-11-20T10:00:00.000Z',
      endedAt: '2026-11-20T10:00:30.000Z',
      state: 'COMPLETE',
      spec: strategy('Canary10Percent20Minutes'),
      now: NOW,
    });
    // 30 minutes planned (20 rollout, 10 bake) took 30 seconds: one minute is one second.
    expect(timeline.map((t) => [t.at.slice(14, 19), t.event, t.percentage])).toEqual([
      ['00:00', 'start', 0],
      ['00:04', 'step', 10],
      ['00:08', 'step', 20],
      ['00:12', 'step', 40],
      ['00:16', 'step', 80],
      ['00:20', 'step', 100],
      ['00:20', 'bake', 100],
      ['00:30', 'complete', 100],
    ]);
  });

  it('ends a rollout still in progress at now, with the steps reached so far', () => {
    const timeline = rolloutTimeline({
      startedAt: '2026-11-20T11:50:00.000Z',
      state: 'DEPLOYING',
      spec: strategy('Canary10Percent20Minutes'),
      now: NOW,
    });
    expect(timeline.map((t) => [t.at.slice(11, 16), t.event, t.percentage])).toEqual([
      ['11:50', 'start', 0],
      ['11:54', 'step', 10],
      ['11:58', 'step', 20],
      ['12:00', 'now', 20],
    ]);
  });

  it('steps through the strategies as AppConfig does', () => {
    expect(strategySteps(strategy('Linear20PercentEvery6Minutes'))).toEqual([20, 40, 60, 80, 100]);
    expect(strategySteps(strategy('AllAtOnce'))).toEqual([100]);
  });
});

describe('Report: release plan', () => {
  const base: ReleasePlanInputs = {
    promptId: 'support-reply',
    version: '1.1.0',
    environment: 'prod',
    details: {
      id: 'support-reply',
      version: '1.1.0',
      sha256: 'b',
      createdBy: 'alice',
      createdAt: '2026-11-19T00:00:00.000Z',
      message: null,
      document: exampleDocument(),
      bump: { level: 'minor', reasons: [] },
      approvals: [],
    },
    prompt: { id: 'support-reply', latestVersion: '1.1.0', environments: { prod: '1.0.0' } },
    status: {
      environment: 'prod',
      revision: 1,
      prompts: { 'support-reply': '1.0.0' },
      deployment: null,
      history: [],
    },
    suite: { revision: 2, sha256: 's', suite: '', updatedBy: 'alice', updatedAt: '2026-11-18T00:00:00.000Z' },
    evaluations: [],
    diff: {
      from: '1.0.0',
      to: '1.1.0',
      unified: '-a\n+b\n',
      bump: { level: 'minor', reasons: ['optional variable "tone" added'] },
    },
    settings: { settings: parseSettings({}), source: 'defaults' },
    now: NOW,
  };
  const passed = {
    id: 'run-1',
    promptId: 'support-reply',
    version: '1.1.0',
    state: 'PASSED' as const,
    passRate: 1,
    threshold: 0.9,
    suiteRevision: 2,
    provider: { type: 'echo' },
    startedBy: 'alice',
    startedAt: '2026-11-19T02:00:00.000Z',
  };

  it('is not ready for a protected environment without approval and without a passed run of the current suite', () => {
    const stale = { ...passed, id: 'run-0', suiteRevision: 1 };
    const plan = buildReleasePlan({ ...base, evaluations: [stale] });
    expect(plan.ready).toBe(false);
    expect(plan.gates.map((g) => [g.name, g.passed])).toEqual([
      ['lint', true],
      ['approval', false],
      ['evaluation', false],
      ['no-deployment-in-progress', true],
    ]);
    expect(plan.gates[1]?.detail).toBe(
      'prod is protected and 1.1.0 has no approval: promptops approve support-reply@1.1.0',
    );
    expect(plan.evaluation).toEqual({ suiteRevision: 2, run: null });
  });

  it('is ready with an approval and a passed run; lays out the strategy, guards and rollback', () => {
    const plan = buildReleasePlan({
      ...base,
      details: { ...base.details, approvals: [{ by: 'bob', at: '2026-11-19T03:00:00.000Z' }] },
      evaluations: [{ ...passed, id: 'run-override', providerOverride: true }, passed],
    });
    expect(plan.ready).toBe(true);
    expect(plan.evaluation.run?.id).toBe('run-1');
    expect(plan.strategy).toMatchObject({ name: 'Canary10Percent20Minutes', totalMinutes: 30 });
    expect(plan.strategy.steps).toEqual([
      { atMinutes: 4, percentage: 10 },
      { atMinutes: 8, percentage: 20 },
      { atMinutes: 12, percentage: 40 },
      { atMinutes: 16, percentage: 80 },
      { atMinutes: 20, percentage: 100 },
    ]);
    expect(plan.guards.alarms.map((a) => a.name)).toEqual([
      'ErrorRate',
      'P99Latency',
      'NegativeFeedbackRate',
    ]);
    expect(plan.guards.canary.enabled).toBe(true);
    expect(plan.rollback).toEqual({
      restores: '1.0.0',
      command: 'promptops rollback --env prod support-reply',
    });
    const md = renderMarkdown(releasePlanDocument(plan));
    expect(md).toContain('```diff\n-a\n+b\n```');
    expect(md).toContain('| approval | pass | approved by bob |');
  });

  it('refuses while a deployment is in progress', () => {
    const plan = buildReleasePlan({
      ...base,
      details: { ...base.details, approvals: [{ by: 'bob', at: '2026-11-19T03:00:00.000Z' }] },
      evaluations: [passed],
      status: {
        ...base.status,
        deployment: {
          number: 4,
          state: 'BAKING',
          percentage: 100,
          strategy: 'AllAtOnce',
          revision: 2,
          startedAt: '2026-11-20T11:00:00.000Z',
        },
      },
    });
    expect(plan.ready).toBe(false);
    expect(plan.gates.find((g) => !g.passed)?.detail).toBe('deployment 4 is BAKING at 100%');
  });
});

describe('Report: model compatibility', () => {
  const run = (id: string, results: [string, boolean][], state: EvaluationRun['state']): EvaluationRun => ({
    id,
    promptId: 'p',
    version: '1.0.0',
    state,
    passRate: results.filter(([, p]) => p).length / results.length,
    threshold: 0.5,
    suiteRevision: 1,
    provider: { type: 'bedrock' },
    startedBy: 'alice',
    startedAt: '2026-11-20T00:00:00.000Z',
    tests: results.map(([description, passed]) => ({
      description,
      vars: {},
      passed,
      latencyMs: passed ? 100 : 300,
      costUsd: 0.001,
      assertions: [{ type: 'icontains', passed, reason: passed ? 'found' : 'missing "sorry"' }],
    })),
  });

  it('may not replace the current model when a test that passes on it fails on the candidate', () => {
    const report = buildModelCompat({
      promptId: 'p',
      version: '1.0.0',
      provider: 'bedrock',
      current: run(
        'a',
        [
          ['polite', true],
          ['short', false],
        ],
        'FAILED',
      ),
      candidate: run(
        'b',
        [
          ['polite', false],
          ['short', true],
        ],
        'PASSED',
      ),
      currentModel: 'model-a',
      candidateModel: 'model-b',
      now: NOW,
    });
    expect(report.compatible).toBe(false);
    expect(report.regressions).toEqual(['polite']);
    expect(report.tests[0]).toEqual({
      description: 'polite',
      current: true,
      candidate: false,
      currentLatencyMs: 100,
      candidateLatencyMs: 300,
      candidateFailures: ['icontains: missing "sorry"'],
    });
    expect(report.current).toMatchObject({ model: 'model-a', meanLatencyMs: 200, totalCostUsd: 0.002 });
    expect(report.verdict).toBe(
      'model-b may not replace model-a: 1 test that pass on model-a fail on it (polite).',
    );
  });

  it('may replace it when the candidate passes and regresses nothing', () => {
    const report = buildModelCompat({
      promptId: 'p',
      version: '1.0.0',
      provider: 'bedrock',
      current: run('a', [['polite', true]], 'PASSED'),
      candidate: run('b', [['polite', true]], 'PASSED'),
      currentModel: 'model-a',
      candidateModel: 'model-b',
      now: NOW,
    });
    expect(report.compatible).toBe(true);
  });
});

describe('Renderers', () => {
  const document = {
    title: 'T <script>alert(1)</script>',
    summary: ['a | b'],
    sections: [
      {
        heading: 'S',
        blocks: [
          { kind: 'table' as const, columns: ['x'], rows: [['a | b\nc']] },
          { kind: 'code' as const, language: 'diff', text: 'has ``` inside' },
          {
            kind: 'chart' as const,
            title: 'C',
            chart: {
              type: 'interval' as const,
              labels: ['v'],
              estimates: [50],
              intervals: [[40, 60] as const],
              yTitle: '%',
            },
          },
        ],
      },
    ],
  };

  it('Markdown escapes table cells and fences code longer than any backtick run inside', () => {
    const md = renderMarkdown(document);
    expect(md).toContain('| a \\| b<br>c |');
    expect(md).toContain('````diff\nhas ``` inside\n````');
    expect(md).not.toContain('C\n');
  });

  it('HTML escapes text, forbids network fetches and inlines Chart.js with the chart configs', () => {
    const html = renderHtml(document, '/* chart.js */');
    expect(html).toContain('<title>T &lt;script&gt;alert(1)&lt;/script&gt;</title>');
    expect(html).toContain(
      `content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"`,
    );
    expect(html).toContain('<script>/* chart.js */</script>');
    expect(html.match(/<canvas /g)).toHaveLength(1);
    const configs = JSON.parse(
      /<script type="application\/json" id="report-charts">(.*?)<\/script>/s.exec(html)?.[1] ?? '',
    );
    expect(configs[0].data.datasets[0].data).toEqual([[40, 60]]);
  });

  it('keeps a </script> inside chart data from ending the script', () => {
    const html = renderHtml(
      {
        title: 't',
        summary: [],
        sections: [
          {
            heading: 'h',
            blocks: [
              {
                kind: 'chart',
                title: 'c',
                chart: { type: 'line', labels: ['</script><b>'], datasets: [], yTitle: '' },
              },
            ],
          },
        ],
      },
      '',
    );
    expect(html).toContain('\\u003c/script>\\u003cb>');
    expect(chartConfig({ type: 'bar', labels: [], datasets: [], yTitle: 'ms', stacked: true })).toMatchObject(
      {
        type: 'bar',
        options: { scales: { x: { stacked: true } } },
      },
    );
  });
});
