/**
 * `promptops report feedback <id> --env <env> [--since]`: ratings per version, the positive share
 * with its 95% Wilson interval, the comparison of two versions (GET /prompts/{id}/feedback's
 * two-proportion test, with the Newcombe interval of the difference) and the trend per day from the
 * FeedbackCount and NegativeFeedback metrics (GET /prompts/{id}/metrics, daily periods), and the
 * comments (GET /prompts/{id}/feedback/items) grouped by version and rating, negative first.
 * With `--segment`, the counts, intervals, trend and comments are computed from that segment's items
 * (the items route's `segment=`, docs/segments.md) instead of the aggregates and metrics.
 */
import type {
  FeedbackComparison,
  FeedbackItem,
  FeedbackItemsPage,
  FeedbackReport as FeedbackResponse,
  MetricsHistoryResponse,
  VersionFeedback,
} from '../../core/api.ts';
import { differenceInterval, type Interval, wilsonInterval } from '../../core/statistics.ts';
import { compareVersions } from '../../core/versioning.ts';
import { segment } from '../api-client.ts';
import {
  chart,
  format,
  list,
  paragraph,
  quotes,
  type ReportDocument,
  type Section,
  table,
} from './document.ts';
import { fetchMetrics } from './metrics-series.ts';
import type { ReportApi } from './report-api.ts';

export interface VersionFeedbackShare {
  readonly version: string;
  readonly count: number;
  readonly positive: number;
  readonly negative: number;
  readonly mean?: number;
  /** positive / count, with its 95% Wilson interval. */
  readonly positiveShare: number;
  readonly interval: Interval;
}

export interface FeedbackDay {
  readonly day: string;
  readonly version: string;
  readonly ratings: number;
  readonly negative: number;
  /** 1 − negative / ratings. */
  readonly positiveShare: number;
}

/** Comments read at most: 10 pages of 100, so a busy prompt's report stays quick. */
export const MAX_COMMENTS_READ = 1000;
/** The most recent texts shown per version and rating. */
export const RECENT_COMMENTS = 5;
/** Items of one segment read at most (100 pages of 100): beyond, the report covers the most recent. */
export const MAX_SEGMENT_ITEMS_READ = 10_000;
/** A text longer than this many characters is cut at a word and marked with an ellipsis. */
export const COMMENT_CHARACTERS = 280;

export type CommentSentiment = FeedbackItem['sentiment'];
/** The order groups are shown in: what needs fixing first. */
export const SENTIMENT_ORDER: readonly CommentSentiment[] = ['negative', 'neutral', 'positive'];

export interface FeedbackCommentText {
  readonly at: string;
  readonly scale: FeedbackItem['scale'];
  readonly rating: number;
  /** On one line, at most COMMENT_CHARACTERS characters (and an ellipsis when cut). */
  readonly text: string;
  readonly truncated: boolean;
  readonly tags?: readonly string[];
}

export interface FeedbackCommentGroup {
  readonly version: string;
  readonly sentiment: CommentSentiment;
  /** Comments in this group among those read. */
  readonly count: number;
  /** The RECENT_COMMENTS most recent, newest first. */
  readonly recent: readonly FeedbackCommentText[];
}

export interface FeedbackComments {
  /** Comments read in the window. */
  readonly read: number;
  /** False when the window holds more than MAX_COMMENTS_READ comments: counts cover the most recent read. */
  readonly complete: boolean;
  /** Newest version first; within a version negative, neutral, positive; empty groups left out. */
  readonly groups: readonly FeedbackCommentGroup[];
}

export interface FeedbackReportData {
  readonly kind: 'feedback';
  readonly promptId: string;
  readonly environment: string;
  readonly since: string;
  readonly generatedAt: string;
  readonly versions: readonly VersionFeedbackShare[];
  readonly comparison?: FeedbackComparison & {
    /** 95% interval of the candidate's negative rate minus the baseline's. */
    readonly differenceInterval: Interval;
  };
  readonly days: readonly FeedbackDay[];
  readonly comments: FeedbackComments;
  /**
   * Present when filtered by segment: versions, days and comments are computed from the items given
   * under that segment's pin (no comparison); `complete` is false when more than
   * MAX_SEGMENT_ITEMS_READ items were in the window.
   */
  readonly segment?: { readonly name: string; readonly itemsRead: number; readonly complete: boolean };
}

/** Items as the route lists them; `complete` when no page was left. */
export interface ListedItems {
  readonly items: readonly FeedbackItem[];
  readonly complete: boolean;
}

interface FeedbackInputsBase {
  readonly promptId: string;
  readonly environment: string;
  readonly since: string;
  readonly now: Date;
}

/** The unfiltered report: the aggregates, the daily metrics and the commented items. */
export interface AggregateFeedbackInputs extends FeedbackInputsBase {
  readonly feedback: FeedbackResponse;
  /** Daily points. */
  readonly daily: MetricsHistoryResponse;
  /** Items with a comment in the window. */
  readonly comments: ListedItems;
  readonly segment?: undefined;
}

/** The report filtered by segment: every item of the segment in the window. */
export interface SegmentFeedbackInputs extends FeedbackInputsBase {
  readonly segment: ListedItems & { readonly name: string };
}

export type FeedbackInputs = AggregateFeedbackInputs | SegmentFeedbackInputs;

/** The default window: the last 30 UTC days, today included. */
export function defaultSinceDay(now: Date, days = 30): string {
  return new Date(now.getTime() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
}

/** The commented items from `since` to `until`, page by page up to MAX_COMMENTS_READ. */
export async function fetchComments(
  api: ReportApi,
  promptId: string,
  query: { environment: string; since: string; until: string },
): Promise<ListedItems> {
  const items: FeedbackItem[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.get<FeedbackItemsPage>(`/prompts/${segment(promptId)}/feedback/items`, {
      ...query,
      commented: 'true',
      limit: '100',
      ...(cursor !== undefined ? { cursor } : {}),
    });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined && items.length < MAX_COMMENTS_READ);
  return { items: items.slice(0, MAX_COMMENTS_READ), complete: cursor === undefined };
}

/** Every item of `segment` from `since` to `until`, page by page up to MAX_SEGMENT_ITEMS_READ. */
export async function fetchSegmentItems(
  api: ReportApi,
  promptId: string,
  query: { environment: string; since: string; until: string; segment: string },
): Promise<ListedItems> {
  const items: FeedbackItem[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.get<FeedbackItemsPage>(`/prompts/${segment(promptId)}/feedback/items`, {
      ...query,
      limit: '100',
      ...(cursor !== undefined ? { cursor } : {}),
    });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined && items.length < MAX_SEGMENT_ITEMS_READ);
  return { items: items.slice(0, MAX_SEGMENT_ITEMS_READ), complete: cursor === undefined };
}

export async function collectFeedback(
  api: ReportApi,
  promptId: string,
  query: { environment: string; since?: string; segment?: string },
  now: Date,
): Promise<FeedbackInputs> {
  const since = query.since ?? defaultSinceDay(now);
  const until = now.toISOString();
  if (query.segment !== undefined) {
    const name = query.segment;
    const listed = await fetchSegmentItems(api, promptId, {
      environment: query.environment,
      since,
      until,
      segment: name,
    });
    return { promptId, environment: query.environment, since, segment: { name, ...listed }, now };
  }
  const [feedback, daily, comments] = await Promise.all([
    api.get<FeedbackResponse>(`/prompts/${segment(promptId)}/feedback`, {
      environment: query.environment,
      since,
    }),
    fetchMetrics(api, promptId, {
      environment: query.environment,
      since,
      until,
      period: 86_400,
    }),
    fetchComments(api, promptId, { environment: query.environment, since, until }),
  ]);
  return { promptId, environment: query.environment, since, feedback, daily, comments, now };
}

/**
 * A comment on one line, cut at COMMENT_CHARACTERS: at the last space when one falls in the last
 * fifth, so no word is split, and never inside a character outside the BMP (an emoji).
 */
export function shortenComment(comment: string): { text: string; truncated: boolean } {
  const flat = comment.replace(/\s+/g, ' ').trim();
  const characters = Array.from(flat);
  if (characters.length <= COMMENT_CHARACTERS) return { text: flat, truncated: false };
  const cut = characters.slice(0, COMMENT_CHARACTERS).join('');
  const space = cut.lastIndexOf(' ');
  const kept = space >= cut.length * 0.8 ? cut.slice(0, space) : cut;
  return { text: `${kept.replace(/[\s.,;:!?-]+$/, '')}…`, truncated: true };
}

/** Groups commented items by version (newest first) and rating (negative first), with counts. */
export function groupComments(comments: ListedItems): FeedbackComments {
  const byGroup = new Map<string, FeedbackItem[]>();
  const commented = comments.items.filter((item) => item.comment !== undefined && item.comment.trim() !== '');
  for (const item of commented) {
    const key = `${item.version} ${item.sentiment}`;
    const group = byGroup.get(key);
    if (group) group.push(item);
    else byGroup.set(key, [item]);
  }
  const versions = [...new Set(commented.map((item) => item.version))].sort((a, b) => compareVersions(b, a));
  const groups = versions.flatMap((version) =>
    SENTIMENT_ORDER.flatMap((sentiment): FeedbackCommentGroup[] => {
      const items = byGroup.get(`${version} ${sentiment}`);
      if (!items) return [];
      const recent = [...items]
        .sort((a, b) => b.at.localeCompare(a.at))
        .slice(0, RECENT_COMMENTS)
        .map((item) => ({
          at: item.at,
          scale: item.scale,
          rating: item.rating,
          ...shortenComment(item.comment as string),
          ...(item.tags !== undefined && item.tags.length > 0 ? { tags: item.tags } : {}),
        }));
      return [{ version, sentiment, count: items.length, recent }];
    }),
  );
  return { read: commented.length, complete: comments.complete, groups };
}

/** Per-version counts of items, as the aggregates hold them, newest version first. */
export function countItems(items: readonly FeedbackItem[]): VersionFeedback[] {
  const tallies = new Map<
    string,
    { count: number; positive: number; negative: number; stars: number; starsSum: number }
  >();
  for (const item of items) {
    const t = tallies.get(item.version) ?? { count: 0, positive: 0, negative: 0, stars: 0, starsSum: 0 };
    t.count++;
    if (item.sentiment === 'positive') t.positive++;
    if (item.sentiment === 'negative') t.negative++;
    if (item.scale === 'stars') {
      t.stars++;
      t.starsSum += item.rating;
    }
    tallies.set(item.version, t);
  }
  return [...tallies.entries()]
    .sort(([a], [b]) => compareVersions(b, a))
    .map(([version, t]) => ({
      version,
      count: t.count,
      positive: t.positive,
      negative: t.negative,
      ...(t.stars > 0 ? { mean: t.starsSum / t.stars } : {}),
    }));
}

/** Ratings and negative ratings per UTC day and version, as the daily metrics count them. */
export function itemDays(items: readonly FeedbackItem[]): FeedbackDay[] {
  const days = new Map<string, { day: string; version: string; ratings: number; negative: number }>();
  for (const item of items) {
    const key = `${item.at.slice(0, 10)} ${item.version}`;
    const d = days.get(key) ?? { day: item.at.slice(0, 10), version: item.version, ratings: 0, negative: 0 };
    d.ratings++;
    if (item.sentiment === 'negative') d.negative++;
    days.set(key, d);
  }
  return [...days.values()]
    .map((d) => ({ ...d, positiveShare: 1 - d.negative / d.ratings }))
    .sort((a, b) => a.day.localeCompare(b.day) || a.version.localeCompare(b.version));
}

function shareOf(v: VersionFeedback): VersionFeedbackShare {
  return {
    version: v.version,
    count: v.count,
    positive: v.positive,
    negative: v.negative,
    ...(v.mean !== undefined ? { mean: v.mean } : {}),
    positiveShare: v.count > 0 ? v.positive / v.count : 0,
    interval: v.count > 0 ? wilsonInterval({ successes: v.positive, trials: v.count }) : { low: 0, high: 1 },
  };
}

export function buildFeedback(inputs: FeedbackInputs): FeedbackReportData {
  const base = {
    kind: 'feedback',
    promptId: inputs.promptId,
    environment: inputs.environment,
    since: inputs.since,
    generatedAt: inputs.now.toISOString(),
  } as const;
  if (inputs.segment !== undefined) {
    const { name, items, complete } = inputs.segment;
    return {
      ...base,
      versions: countItems(items).map(shareOf),
      days: itemDays(items),
      comments: groupComments({ items: items.filter((item) => item.comment !== undefined), complete }),
      segment: { name, itemsRead: items.length, complete },
    };
  }
  const versions = inputs.feedback.versions.map(shareOf);
  const c = inputs.feedback.comparison;
  const count = (version: string) => inputs.feedback.versions.find((v) => v.version === version);
  const baseline = c && count(c.baseline);
  const candidate = c && count(c.candidate);
  const days = inputs.daily.series
    .flatMap((s) =>
      s.points
        .filter((p) => p.ratings > 0)
        .map((p) => ({
          day: p.at.slice(0, 10),
          version: s.version,
          ratings: p.ratings,
          negative: p.negativeRatings,
          positiveShare: 1 - p.negativeRatings / p.ratings,
        })),
    )
    .sort((a, b) => a.day.localeCompare(b.day) || a.version.localeCompare(b.version));
  return {
    ...base,
    versions,
    ...(c && baseline && candidate
      ? {
          comparison: {
            ...c,
            differenceInterval: differenceInterval(
              { successes: baseline.negative, trials: baseline.count },
              { successes: candidate.negative, trials: candidate.count },
            ),
          },
        }
      : {}),
    days,
    comments: groupComments(inputs.comments),
  };
}

const SENTIMENT_LABEL: Readonly<Record<CommentSentiment, string>> = {
  negative: 'Negative',
  neutral: 'Neutral',
  positive: 'Positive',
};

function ratingLabel(text: FeedbackCommentText): string {
  if (text.scale === 'thumbs') return text.rating > 0 ? 'thumbs up' : 'thumbs down';
  return `${text.rating} star${text.rating === 1 ? '' : 's'}`;
}

function commentsSection(comments: FeedbackComments): Section {
  const versions = [...new Set(comments.groups.map((g) => g.version))];
  const read = comments.complete
    ? `${comments.read} comment${comments.read === 1 ? '' : 's'} in this window.`
    : `The ${comments.read} most recent comments of this window (there are more): counts cover those.`;
  return {
    heading: 'Comments',
    blocks:
      comments.read === 0
        ? [paragraph('No comments in this window.')]
        : [
            paragraph(
              `${read} Per version and rating, negative first; the ${RECENT_COMMENTS} most recent texts of each, cut at ${COMMENT_CHARACTERS} characters.`,
            ),
            table(
              ['Version', 'Negative', 'Neutral', 'Positive'],
              versions.map((version) => [
                version,
                ...SENTIMENT_ORDER.map(
                  (s) => comments.groups.find((g) => g.version === version && g.sentiment === s)?.count ?? 0,
                ),
              ]),
              [1, 2, 3],
            ),
          ],
    sections: versions.map((version) => ({
      heading: `Comments on ${version}`,
      blocks: comments.groups
        .filter((g) => g.version === version)
        .flatMap((g) => [
          paragraph(
            `**${SENTIMENT_LABEL[g.sentiment]}** (${g.count} comment${g.count === 1 ? '' : 's'}${g.count > g.recent.length ? `, the ${g.recent.length} most recent` : ''}):`,
          ),
          quotes(
            g.recent.map((t) => ({
              // The label is the report's own words only; tags, like texts, are the apps' (JSON has them).
              label: `${t.at.slice(0, 16).replace('T', ' ')} UTC, ${ratingLabel(t)}`,
              text: t.text,
            })),
          ),
        ]),
    })),
  };
}

export function feedbackDocument(report: FeedbackReportData): ReportDocument {
  const c = report.comparison;
  const dayLabels = [...new Set(report.days.map((d) => d.day))];
  const dayVersions = [...new Set(report.days.map((d) => d.version))];
  const share = (day: string, version: string) => {
    const d = report.days.find((x) => x.day === day && x.version === version);
    return d ? Math.round(d.positiveShare * 1000) / 10 : null;
  };
  return {
    title: `Feedback report: ${report.promptId} in ${report.environment}${report.segment ? `, segment ${report.segment.name}` : ''}`,
    summary: [
      `Ratings since ${report.since} (UTC days).`,
      ...(report.segment
        ? [
            `Filtered by segment ${report.segment.name}: computed from the ${report.segment.itemsRead} feedback items given under its pin${report.segment.complete ? '' : ` (the most recent ${MAX_SEGMENT_ITEMS_READ}; there are more)`}.`,
          ]
        : []),
      `Generated ${report.generatedAt}.`,
    ],
    sections: [
      {
        heading: 'Per version',
        blocks:
          report.versions.length === 0
            ? [paragraph('No feedback in this window.')]
            : [
                table(
                  [
                    'Version',
                    'Ratings',
                    'Positive',
                    'Negative',
                    'Positive share',
                    '95% interval',
                    'Mean stars',
                  ],
                  report.versions.map((v) => [
                    v.version,
                    v.count,
                    v.positive,
                    v.negative,
                    format.percent(v.positiveShare),
                    `${format.percent(v.interval.low)} to ${format.percent(v.interval.high)}`,
                    v.mean === undefined ? '-' : v.mean.toFixed(2),
                  ]),
                  [1, 2, 3, 4, 6],
                ),
                chart('Positive share with 95% Wilson intervals', {
                  type: 'interval',
                  labels: report.versions.map((v) => v.version),
                  estimates: report.versions.map((v) => v.positiveShare * 100),
                  intervals: report.versions.map(
                    (v) => [v.interval.low * 100, v.interval.high * 100] as const,
                  ),
                  yTitle: 'positive %',
                }),
              ],
      },
      {
        heading: 'Comparison',
        blocks: c
          ? [
              list([
                `${c.candidate} against ${c.baseline}: negative rate ${format.points(c.difference)} (95% interval ${format.points(c.differenceInterval.low)} to ${format.points(c.differenceInterval.high)})`,
                `Two-proportion z-test: p = ${format.pValue(c.pValue)}, ${c.significant ? 'significant at 5%' : 'not significant at 5%'}`,
              ]),
            ]
          : [
              paragraph(
                report.segment
                  ? 'No comparison: the report filtered by segment has none (run it without --segment for the comparison).'
                  : 'No comparison: it needs feedback on two versions.',
              ),
            ],
      },
      {
        heading: 'Trend per day',
        blocks:
          report.days.length === 0
            ? [paragraph('No ratings recorded per day in this window.')]
            : [
                table(
                  ['Day', 'Version', 'Ratings', 'Negative', 'Positive share'],
                  report.days.map((d) => [
                    d.day,
                    d.version,
                    d.ratings,
                    d.negative,
                    format.percent(d.positiveShare),
                  ]),
                  [2, 3, 4],
                ),
                chart('Positive share per day', {
                  type: 'line',
                  labels: dayLabels,
                  datasets: dayVersions.map((v) => ({ label: v, data: dayLabels.map((d) => share(d, v)) })),
                  yTitle: 'positive %',
                }),
              ],
      },
      commentsSection(report.comments),
    ],
  };
}
