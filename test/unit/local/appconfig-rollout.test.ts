import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PREDEFINED_STRATEGIES } from '../../../src/core/contracts.ts';
import { pollIntervalSeconds } from '../../../src/local/appconfig/data-plane.ts';
import {
  bucketReceives,
  positionAt,
  type RolloutSchedule,
  rolloutSteps,
  scaledMinutes,
  stepPercentages,
} from '../../../src/local/appconfig/rollout.ts';

const MINUTE = 60_000;

function predefined(name: string, timeScale = 1): RolloutSchedule {
  const spec = PREDEFINED_STRATEGIES[name];
  if (!spec) throw new Error(`no strategy ${name}`);
  return {
    growthType: spec.growthType,
    growthFactor: spec.growthFactor,
    deployMs: scaledMinutes(spec.deploymentDurationInMinutes, timeScale),
    bakeMs: scaledMinutes(spec.finalBakeTimeInMinutes, timeScale),
  };
}

describe('Module: rollout', () => {
  describe('Function: stepPercentages', () => {
    it('steps linearly by the growth factor up to 100', () => {
      expect(stepPercentages('LINEAR', 20)).toEqual([20, 40, 60, 80, 100]);
      expect(stepPercentages('LINEAR', 30)).toEqual([30, 60, 90, 100]);
      expect(stepPercentages('LINEAR', 100)).toEqual([100]);
    });

    it("doubles from the growth factor for EXPONENTIAL (AppConfig's G*2^N), capped at 100", () => {
      expect(stepPercentages('EXPONENTIAL', 10)).toEqual([10, 20, 40, 80, 100]);
      expect(stepPercentages('EXPONENTIAL', 2)).toEqual([2, 4, 8, 16, 32, 64, 100]);
    });
  });

  describe('Function: rolloutSteps', () => {
    it('spreads the steps of Linear20PercentEvery6Minutes one every 6 minutes over 30', () => {
      expect(rolloutSteps(predefined('Linear20PercentEvery6Minutes'))).toEqual([
        { atMs: 6 * MINUTE, percentage: 20 },
        { atMs: 12 * MINUTE, percentage: 40 },
        { atMs: 18 * MINUTE, percentage: 60 },
        { atMs: 24 * MINUTE, percentage: 80 },
        { atMs: 30 * MINUTE, percentage: 100 },
      ]);
    });

    it('spreads Canary10Percent20Minutes as 10, 20, 40, 80, 100 percent every 4 minutes', () => {
      expect(
        rolloutSteps(predefined('Canary10Percent20Minutes')).map((s) => [s.atMs / MINUTE, s.percentage]),
      ).toEqual([
        [4, 10],
        [8, 20],
        [12, 40],
        [16, 80],
        [20, 100],
      ]);
    });

    it('divides the times by the time scale', () => {
      expect(rolloutSteps(predefined('Linear50PercentEvery30Seconds', 600))).toEqual([
        { atMs: 50, percentage: 50 },
        { atMs: 100, percentage: 100 },
      ]);
      expect(scaledMinutes(30, 600)).toBe(3000);
    });
  });

  describe('Function: positionAt', () => {
    it('takes AllAtOnce to 100 percent at once, then bakes, then completes', () => {
      const schedule = predefined('AllAtOnce');
      expect(positionAt(schedule, 0)).toEqual({ phase: 'BAKING', percentage: 100 });
      expect(positionAt(schedule, 10 * MINUTE - 1)).toEqual({ phase: 'BAKING', percentage: 100 });
      expect(positionAt(schedule, 10 * MINUTE)).toEqual({ phase: 'COMPLETE', percentage: 100 });
    });

    it('holds 0 percent for the first interval of a stepped strategy', () => {
      const schedule = predefined('Linear50PercentEvery30Seconds');
      expect(positionAt(schedule, 0)).toEqual({ phase: 'DEPLOYING', percentage: 0 });
      expect(positionAt(schedule, 29_999)).toEqual({ phase: 'DEPLOYING', percentage: 0 });
      expect(positionAt(schedule, 30_000)).toEqual({ phase: 'DEPLOYING', percentage: 50 });
      expect(positionAt(schedule, 60_000)).toEqual({ phase: 'BAKING', percentage: 100 });
      expect(positionAt(schedule, 120_000)).toEqual({ phase: 'COMPLETE', percentage: 100 });
    });

    it('never goes backwards and reaches 100 percent exactly when the deployment time ends', () => {
      fc.assert(
        fc.property(
          fc.constantFrom('LINEAR' as const, 'EXPONENTIAL' as const),
          fc.integer({ min: 1, max: 100 }),
          fc.integer({ min: 0, max: 2_000_000 }),
          fc.integer({ min: 0, max: 2_000_000 }),
          fc.integer({ min: 0, max: 5_000_000 }),
          fc.integer({ min: 0, max: 5_000_000 }),
          (growthType, growthFactor, deployMs, bakeMs, t1, t2) => {
            const schedule = { growthType, growthFactor, deployMs, bakeMs };
            const [early, late] = t1 <= t2 ? [t1, t2] : [t2, t1];
            const a = positionAt(schedule, early);
            const b = positionAt(schedule, late);
            const order = { DEPLOYING: 0, BAKING: 1, COMPLETE: 2 };
            expect(a.percentage).toBeGreaterThanOrEqual(0);
            expect(b.percentage).toBeLessThanOrEqual(100);
            expect(a.percentage).toBeLessThanOrEqual(b.percentage);
            expect(order[a.phase]).toBeLessThanOrEqual(order[b.phase]);
            expect(positionAt(schedule, deployMs).percentage).toBe(100);
            if (deployMs > 0) expect(positionAt(schedule, deployMs - 1).phase).toBe('DEPLOYING');
          },
        ),
      );
    });
  });

  describe('Function: bucketReceives', () => {
    it('gives an integer percentage to exactly that many of the 100 buckets, the lowest ones', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 100 }), (percentage) => {
          const receiving = Array.from({ length: 100 }, (_, bucket) => bucket).filter((b) =>
            bucketReceives(b, percentage),
          );
          expect(receiving).toEqual(Array.from({ length: percentage }, (_, b) => b));
        }),
      );
    });
  });

  describe('Function: pollIntervalSeconds', () => {
    it('divides the requested interval by the time scale, never below 1 second', () => {
      expect(pollIntervalSeconds(60, 1)).toBe(60);
      expect(pollIntervalSeconds(60, 4)).toBe(15);
      expect(pollIntervalSeconds(15, 600)).toBe(1);
    });
  });
});
