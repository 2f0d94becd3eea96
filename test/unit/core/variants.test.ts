import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.ts';
import { assertPins, pinVariants, pinVersions, variantProblems } from '../../../src/core/pins.ts';
import { chooseVariant, variantAt, variantBucket } from '../../../src/core/variants.ts';
import { thrownBy } from '../../fixtures/errors.ts';

describe('variantBucket', () => {
  it('is stable across calls and processes (fixed expectations)', () => {
    expect(variantBucket('user-1')).toBe(variantBucket('user-1'));
    // Fixed values: any change to the hash would move users between variants.
    expect(['user-1', 'user-2', 'ana@example.com', ''].map((k) => variantBucket(k))).toEqual([16, 5, 56, 23]);
    expect(variantBucket('user-1', 'support-reply')).toBe(11);
  });

  it('always lands in 0..99 (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (key, salt) => {
        const b = variantBucket(key, salt);
        expect(Number.isInteger(b) && b >= 0 && b <= 99).toBe(true);
      }),
    );
  });
});

describe('chooseVariant', () => {
  const split = [
    { version: '1.0.0', weight: 90 },
    { version: '1.1.0', weight: 10 },
  ];

  it('maps bucket ranges to variants by cumulative weight', () => {
    expect(variantAt(split, 0).version).toBe('1.0.0');
    expect(variantAt(split, 89).version).toBe('1.0.0');
    expect(variantAt(split, 90).version).toBe('1.1.0');
    expect(variantAt(split, 99).version).toBe('1.1.0');
  });

  it('gives the same key the same variant every time', () => {
    for (let i = 0; i < 100; i++) {
      const key = `user-${i}`;
      expect(chooseVariant(split, key, 'p')).toBe(chooseVariant([...split], key, 'p'));
    }
  });

  it('lands within 1 percentage point of each weight over 100,000 random keys (property)', () => {
    const weightsArb = fc
      .array(fc.integer({ min: 1, max: 10 }), { minLength: 2, maxLength: 4 })
      .map((raw) => {
        const total = raw.reduce((a, b) => a + b, 0);
        const weights = raw.map((r) => Math.max(1, Math.floor((r / total) * 100)));
        weights[0]! += 100 - weights.reduce((a, b) => a + b, 0);
        return weights;
      })
      .filter((w) => w.every((x) => x >= 1));
    fc.assert(
      fc.property(weightsArb, fc.string(), fc.integer(), (weights, salt, seed) => {
        const variants = weights.map((weight, i) => ({ version: `1.${i}.0`, weight }));
        const counts = new Map<string, number>();
        let state = seed >>> 0 || 1;
        for (let i = 0; i < 100_000; i++) {
          state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
          const key = `${state.toString(36)}-${i}`;
          const v = chooseVariant(variants, key, salt).version;
          counts.set(v, (counts.get(v) ?? 0) + 1);
        }
        for (const v of variants) {
          const share = ((counts.get(v.version) ?? 0) / 100_000) * 100;
          expect(Math.abs(share - v.weight)).toBeLessThan(1);
        }
      }),
      { numRuns: 10 },
    );
  });
});

describe('pins', () => {
  it('treats a version string as one variant of weight 100', () => {
    expect(pinVariants('1.0.0')).toEqual([{ version: '1.0.0', weight: 100 }]);
    expect(
      pinVersions({
        variants: [
          { version: '1.0.0', weight: 50 },
          { version: '2.0.0', weight: 50 },
        ],
      }),
    ).toEqual(['1.0.0', '2.0.0']);
  });

  it('accepts valid pins', () => {
    const pins = {
      a1: '1.0.0',
      b2: {
        variants: [
          { version: '1.0.0', weight: 70 },
          { version: '1.1.0', weight: 30 },
        ],
      },
    };
    expect(assertPins(pins)).toBe(pins);
  });

  it.each<[string, unknown, string, RegExp]>([
    [
      'weights not summing to 100',
      {
        a1: {
          variants: [
            { version: '1.0.0', weight: 60 },
            { version: '1.1.0', weight: 30 },
          ],
        },
      },
      'prompts.a1.variants',
      /sum to 100, got 90/,
    ],
    [
      'a zero weight',
      {
        a1: {
          variants: [
            { version: '1.0.0', weight: 0 },
            { version: '1.1.0', weight: 100 },
          ],
        },
      },
      'prompts.a1.variants.0.weight',
      /1 to 100/,
    ],
    [
      'a fractional weight',
      {
        a1: {
          variants: [
            { version: '1.0.0', weight: 50.5 },
            { version: '1.1.0', weight: 49.5 },
          ],
        },
      },
      'prompts.a1.variants.0.weight',
      /whole number/,
    ],
    [
      'a repeated version',
      {
        a1: {
          variants: [
            { version: '1.0.0', weight: 50 },
            { version: '1.0.0', weight: 50 },
          ],
        },
      },
      'prompts.a1.variants.1.version',
      /appears twice/,
    ],
    ['an invalid version', { a1: 'v1' }, 'prompts.a1', /"v1" is not a valid version/],
    ['an invalid id', { '../x': '1.0.0' }, 'prompts.../x', /not a valid prompt id/],
    ['a pin of the wrong shape', { a1: 3 }, 'prompts.a1', /version string or \{ variants/],
    ['empty variants', { a1: { variants: [] } }, 'prompts.a1.variants', /non-empty list/],
  ])('rejects %s naming the field', (_label, pins, path, message) => {
    const problem = thrownBy(ValidationError, () => assertPins(pins)).errors?.find((e) => e.path === path);
    expect(problem?.message).toMatch(message);
  });

  it('rejects pins that are not an object', () => {
    expect(() => assertPins(['1.0.0'])).toThrow(ValidationError);
    expect(variantProblems('x')).toHaveLength(1);
  });
});
