import { describe, expect, it } from 'vitest';
import { EMPTY_STATE, type EnvironmentState, type RecordedStart } from '../../../lambda/delivery/model.ts';
import { RECENT_STARTS, startsOf, withStart } from '../../../lambda/delivery/recent-starts.ts';

const start = (n: number): RecordedStart => ({
  requestKey: `key-${n}`,
  response: {
    environment: 'prod',
    deploymentNumber: n,
    state: 'DEPLOYING',
    revision: n,
    evaluations: { 'support-reply': { '1.0.0': `run-${n}` } },
  },
});

function commitAll(count: number): EnvironmentState {
  let state = EMPTY_STATE('prod');
  for (let n = 1; n <= count; n++) state = { ...state, ...withStart(state, start(n)) };
  return state;
}

describe('Function: withStart', () => {
  it(`keeps the latest ${RECENT_STARTS} starts, newest first, the newest in full as lastStart`, () => {
    const state = commitAll(RECENT_STARTS + 5);
    const starts = startsOf(state);
    expect(starts.map((s) => s.requestKey)).toEqual(
      Array.from({ length: RECENT_STARTS }, (_, i) => `key-${RECENT_STARTS + 5 - i}`),
    );
    expect(starts[0]).toEqual(start(RECENT_STARTS + 5));
    // Older answers without their per-prompt lists, so the state item stays small.
    expect(starts[1]?.response).toEqual({
      environment: 'prod',
      deploymentNumber: 24,
      state: 'DEPLOYING',
      revision: 24,
    });
  });

  it('keeps one entry per request key', () => {
    const state = commitAll(3);
    const again = { ...state, ...withStart(state, start(2)) };
    expect(startsOf(again).map((s) => s.requestKey)).toEqual(['key-2', 'key-3', 'key-1']);
  });

  it('keeps nothing for a request without a key', () => {
    expect(withStart(commitAll(2), undefined)).toEqual({});
  });
});

describe('Function: startsOf', () => {
  it('reads a state committed before recent starts were kept from its lastStart alone', () => {
    expect(startsOf({ ...EMPTY_STATE('prod'), lastStart: start(7) })).toEqual([start(7)]);
    expect(startsOf(undefined)).toEqual([]);
  });
});
