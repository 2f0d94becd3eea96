/** The console's other pure pieces: pins, intervals, polling delays, hash routes and the rollout series. */
import { describe, expect, it } from 'vitest';
import { formatInterval, wilsonInterval } from '../../../console/src/logic/intervals.ts';
import { describePin, pinnedVersions, samePin, whereDeployed } from '../../../console/src/logic/pins.ts';
import { nextPollDelay } from '../../../console/src/logic/polling.ts';
import { addSample, chartPoints } from '../../../console/src/logic/rollout-series.ts';
import { hashPath, href, matchPath } from '../../../console/src/logic/routes.ts';

describe('pins', () => {
  const split = {
    variants: [
      { version: '1.0.0', weight: 90 },
      { version: '1.1.0', weight: 10 },
    ],
  };

  it('describes a version, a split, and pins with segments and a shadow', () => {
    expect(describePin('1.2.0')).toBe('1.2.0');
    expect(describePin(split)).toBe('1.0.0 90% / 1.1.0 10%');
    expect(
      describePin({
        version: '1.0.0',
        segments: { beta: '1.2.0' },
        shadow: { version: '1.3.0', sampleRate: 0.1 },
      }),
    ).toBe('1.0.0 + 1 segment shadow 1.3.0');
    expect(
      pinnedVersions({ version: '1.0.0', segments: { beta: split }, shadow: { version: '1.3.0' } }),
    ).toEqual(['1.0.0', '1.1.0', '1.3.0']);
  });

  it('says where a version is deployed and with what share', () => {
    expect(whereDeployed({ dev: '1.1.0', staging: split, prod: '1.0.0' }, '1.1.0')).toEqual([
      { environment: 'dev' },
      { environment: 'staging', share: 10 },
    ]);
  });

  it('compares pins by content, not key order', () => {
    expect(
      samePin(
        {
          variants: [
            { weight: 90, version: '1.0.0' },
            { version: '1.1.0', weight: 10 },
          ],
        },
        split,
      ),
    ).toBe(true);
    expect(samePin('1.0.0', split)).toBe(false);
    expect(samePin(undefined, '1.0.0')).toBe(false);
  });
});

describe('wilsonInterval', () => {
  it('matches the Wilson score interval and stays within 0..1', () => {
    const i = wilsonInterval(10, 100);
    expect(i.rate).toBe(0.1);
    expect(i.low).toBeCloseTo(0.0552, 3);
    expect(i.high).toBeCloseTo(0.1744, 3);
    expect(wilsonInterval(0, 5).low).toBe(0);
    expect(wilsonInterval(5, 5).high).toBe(1);
    expect(wilsonInterval(0, 0)).toEqual({ rate: 0, low: 0, high: 1 });
    expect(formatInterval(i)).toBe('10.0% (95% CI 5.5–17.4%)');
  });
});

describe('nextPollDelay', () => {
  it('polls fast while something moves, slowly when idle, and backs off after failures up to the ceiling', () => {
    const none = () => 0;
    expect(nextPollDelay({ failures: 0, active: true }, {}, none)).toBe(1000);
    expect(nextPollDelay({ failures: 0, active: false }, {}, none)).toBe(5000);
    expect([1, 2, 3, 4, 5].map((failures) => nextPollDelay({ failures, active: true }, {}, none))).toEqual([
      5000, 10_000, 20_000, 30_000, 30_000,
    ]);
    // Jitter only shortens the wait, by at most a fifth.
    expect(nextPollDelay({ failures: 2, active: false }, {}, () => 0.999)).toBeGreaterThanOrEqual(8000);
  });
});

describe('routes', () => {
  it('matches hash routes with decoded parameters and builds links back', () => {
    expect(hashPath('#/audit?environment=prod')).toEqual({
      path: '/audit',
      query: new URLSearchParams('environment=prod'),
    });
    expect(hashPath('')).toEqual({ path: '/', query: new URLSearchParams() });
    expect(matchPath(['/review/:id/:version', '/review'], '/review/support-reply/1.0.1')).toEqual({
      pattern: '/review/:id/:version',
      params: { id: 'support-reply', version: '1.0.1' },
    });
    expect(matchPath(['/prompts/:id'], '/prompts/a%20b')?.params).toEqual({ id: 'a b' });
    expect(matchPath(['/prompts/:id'], '/prompts/%E0%A4%A')).toBeUndefined();
    expect(matchPath(['/prompts'], '/nowhere')).toBeUndefined();
    expect(href('/prompts/:id', { id: 'a b' }, { preview: '1.0.0', empty: '' })).toBe(
      '#/prompts/a%20b?preview=1.0.0',
    );
  });
});

describe('rollout series', () => {
  it('starts at the deployment start with 0%, and keeps a flat stretch as its two ends', () => {
    let series = addSample([], { at: 2000, percentage: 20, state: 'DEPLOYING' }, 1000);
    expect(series).toEqual([
      { at: 1000, percentage: 0, state: 'STARTED' },
      { at: 2000, percentage: 20, state: 'DEPLOYING' },
    ]);
    series = addSample(series, { at: 3000, percentage: 20, state: 'DEPLOYING' });
    series = addSample(series, { at: 4000, percentage: 20, state: 'DEPLOYING' });
    expect(series.map((s) => s.at)).toEqual([1000, 2000, 4000]);
    series = addSample(series, { at: 5000, percentage: 100, state: 'BAKING' });
    expect(chartPoints(series, 100, 10)).toBe('0.0,10.0 25.0,8.0 75.0,8.0 100.0,0.0');
  });
});
