import { describe, expect, it } from 'vitest';
import { mergeTimeline, type TimelineEntry } from '../../../src/core/incident.ts';

const entry = (at: string, kind: TimelineEntry['kind'], summary: string): TimelineEntry => ({
  at,
  kind,
  summary,
  actor: 'test',
  details: {},
});

describe('mergeTimeline', () => {
  const since = new Date('2026-12-02T10:00:00.000Z');
  const until = new Date('2026-12-02T11:00:00.000Z');

  it('puts entries oldest first and drops those outside the window', () => {
    const merged = mergeTimeline(
      [
        [
          entry('2026-12-02T10:05:00.000Z', 'deployment', 'b'),
          entry('2026-12-02T09:59:59.999Z', 'audit', 'early'),
        ],
        [entry('2026-12-02T10:01:00.000Z', 'audit', 'a'), entry('2026-12-02T11:00:00.001Z', 'audit', 'late')],
      ],
      since,
      until,
    );
    expect(merged.map((e) => e.summary)).toEqual(['a', 'b']);
  });

  it('puts an alarm before a rollback stamped in the same millisecond, and keeps the given order otherwise', () => {
    const at = '2026-12-02T10:10:00.123Z';
    const merged = mergeTimeline(
      [
        [entry(at, 'rollback', 'rolled back'), entry(at, 'audit', 'audit after')],
        [entry(at, 'alarm', 'ErrorRate OK -> ALARM')],
      ],
      since,
      until,
    );
    expect(merged.map((e) => e.summary)).toEqual(['ErrorRate OK -> ALARM', 'rolled back', 'audit after']);
  });
});
