/**
 * Captured shadow outputs in GET /prompts/{id}/shadow (docs/shadows.md): the S3 reader lists the
 * window's day prefixes newest first and reads a bounded number of objects; the report has
 * `outputs` only when the shadow version has pairs in the window.
 */
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { type EnvironmentPinsReader, shadowReport } from '../../../lambda/registry/shadow-report.ts';
import { type ShadowOutputsQuery, s3ShadowOutputs } from '../../../lambda/registry/shadow-report-outputs.ts';
import type { MetricsHistorySource } from '../../../src/core/metrics-history.ts';
import type { ShadowOutputPair } from '../../../src/core/shadow-outputs.ts';

const s3 = mockClient(S3Client);
const BUCKET = 'bodies';
const NOW = new Date('2026-12-02T12:00:00.000Z');

const pair = (settledAt: string, overrides: Partial<ShadowOutputPair> = {}): ShadowOutputPair => ({
  environment: 'prod',
  promptId: 'support-reply',
  primaryVersion: '1.0.0',
  shadowVersion: '1.1.0',
  primaryOutput: 'the refund was sent',
  shadowOutput: 'the refund is on its way',
  startedAt: settledAt,
  settledAt,
  latencyMs: 10,
  ...overrides,
});

/** Objects by key, listed per day prefix as S3 does. */
function store(objects: Record<string, string>) {
  s3.on(ListObjectsV2Command).callsFake((input: { Prefix: string; MaxKeys?: number }) => {
    const keys = Object.keys(objects).filter((key) => key.startsWith(input.Prefix));
    return {
      Contents: keys
        .slice(0, input.MaxKeys ?? 1000)
        .map((Key, i) => ({ Key, LastModified: new Date(i * 1000) })),
      IsTruncated: false,
    };
  });
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => ({
    Body: { transformToString: async () => objects[input.Key] ?? '' } as GetObjectCommandOutput['Body'],
  }));
}

const query: ShadowOutputsQuery = {
  environment: 'prod',
  promptId: 'support-reply',
  shadowVersion: '1.1.0',
  start: new Date('2026-12-01T12:00:00.000Z'),
  end: NOW,
};
const key = (day: string, id: string) => `shadow-outputs/prod/support-reply/${day}/${id}.json`;

beforeEach(() => s3.reset());
afterAll(() => s3.restore());

describe('Function: s3ShadowOutputs', () => {
  it("lists the window's day prefixes, newest first, and keeps the shadow version's pairs in the window", async () => {
    store({
      [key('2026-12-01', 'a')]: JSON.stringify(pair('2026-12-01T13:00:00.000Z')),
      // Before the window's start, on its first day.
      [key('2026-12-01', 'b')]: JSON.stringify(pair('2026-12-01T11:00:00.000Z')),
      [key('2026-12-02', 'c')]: JSON.stringify(pair('2026-12-02T09:00:00.000Z')),
      // Another shadow version, and an object that is not a pair.
      [key('2026-12-02', 'd')]: JSON.stringify(pair('2026-12-02T09:30:00.000Z', { shadowVersion: '1.2.0' })),
      [key('2026-12-02', 'e')]: 'not a pair',
      // Another prompt's day.
      'shadow-outputs/prod/summarize/2026-12-02/f.json': JSON.stringify(pair('2026-12-02T09:00:00.000Z')),
    });
    const pairs = await s3ShadowOutputs(new S3Client({ region: 'us-east-1' }), BUCKET).pairs(query);
    expect(pairs.map((p) => p.settledAt).sort()).toEqual([
      '2026-12-01T13:00:00.000Z',
      '2026-12-02T09:00:00.000Z',
    ]);
    const prefixes = s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Prefix);
    expect(prefixes).toEqual([
      'shadow-outputs/prod/support-reply/2026-12-02/',
      'shadow-outputs/prod/support-reply/2026-12-01/',
    ]);
    expect(s3.commandCalls(ListObjectsV2Command).every((c) => c.args[0].input.Bucket === BUCKET)).toBe(true);
  });

  it('reads at most maxObjects objects and keeps at most maxPairs pairs, the newest day first', async () => {
    const objects: Record<string, string> = {};
    for (let i = 0; i < 30; i++) {
      objects[key('2026-12-02', `new-${i}`)] = JSON.stringify(pair('2026-12-02T10:00:00.000Z'));
      objects[key('2026-12-01', `old-${i}`)] = JSON.stringify(pair('2026-12-01T13:00:00.000Z'));
    }
    store(objects);
    const pairs = await s3ShadowOutputs(new S3Client({ region: 'us-east-1' }), BUCKET, {
      maxObjects: 20,
      maxPairs: 15,
    }).pairs(query);
    expect(pairs).toHaveLength(15);
    expect(pairs.every((p) => p.settledAt.startsWith('2026-12-02'))).toBe(true);
    expect(s3.commandCalls(GetObjectCommand).length).toBeLessThanOrEqual(20);
    // The older day was never listed: the newest day alone filled the read budget.
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(1);
  });
});

describe('Function: shadowReport, outputs', () => {
  const history: MetricsHistorySource = { series: async () => ({}) };
  const pins = (outputs?: EnvironmentPinsReader['outputs']): EnvironmentPinsReader => ({
    pins: async () => ({
      'support-reply': { version: '1.0.0', shadow: { version: '1.1.0', sampleRate: 0.5 } },
    }),
    ...(outputs ? { outputs } : {}),
  });
  const report = (reader: EnvironmentPinsReader) =>
    shadowReport(history, reader, 'support-reply', { environment: 'prod' }, ['dev', 'prod'], NOW);

  it('adds outputs from the pairs of the shadow version in the window, asked for with the window', async () => {
    const asked: ShadowOutputsQuery[] = [];
    const result = await report(
      pins({
        pairs: async (q) => {
          asked.push(q);
          return [
            pair('2026-12-02T09:00:00.000Z'),
            pair('2026-12-02T10:00:00.000Z', { shadowOutput: 'the refund was sent' }),
          ];
        },
      }),
    );
    expect(asked).toEqual([
      {
        environment: 'prod',
        promptId: 'support-reply',
        shadowVersion: '1.1.0',
        start: new Date('2026-12-01T12:00:00.000Z'),
        end: NOW,
      },
    ]);
    expect(result.outputs).toMatchObject({
      count: 2,
      sample: [
        { primary: 'the refund was sent', shadow: 'the refund was sent', at: '2026-12-02T10:00:00.000Z' },
        { shadow: 'the refund is on its way', at: '2026-12-02T09:00:00.000Z' },
      ],
      // Similarities 1 and 2/8.
      similarity: { mean: 0.625, p10: 0.25, p50: 0.25 },
    });
  });

  it('has no outputs without pairs, or where no environment captures them (no reader)', async () => {
    expect(await report(pins({ pairs: async () => [] }))).not.toHaveProperty('outputs');
    expect(await report(pins())).not.toHaveProperty('outputs');
  });

  it('reads no pairs for a bad request', async () => {
    let read = false;
    const reader = pins({
      pairs: async () => {
        read = true;
        return [];
      },
    });
    await expect(
      shadowReport(history, reader, 'support-reply', { environment: 'prod', since: 'soon' }, ['prod'], NOW),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', errors: [{ path: 'since' }] });
    expect(read).toBe(false);
  });
});
