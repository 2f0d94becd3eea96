/** mergePins and the pin helpers with shadows (docs/shadows.md). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.ts';
import {
  assertPinUpdates,
  defaultPin,
  mergePins,
  type Pin,
  type PinUpdate,
  pinSegments,
  pinShadow,
  pinVariants,
  pinVersions,
  updateVersions,
} from '../../../src/core/pins.ts';

const versions = ['1.0.0', '1.1.0', '1.2.0', '1.3.0'];
const version = fc.constantFrom(...versions);
const shadow = fc.record({ version, sampleRate: fc.constantFrom(0.01, 0.5, 1) });
const base = fc.oneof(
  version,
  fc.constant({
    variants: [
      { version: '1.0.0', weight: 60 },
      { version: '1.1.0', weight: 40 },
    ],
  }),
);
const currentPin: fc.Arbitrary<Pin | undefined> = fc.option(
  fc
    .tuple(
      base,
      fc.option(fc.record({ beta: version }), { nil: undefined }),
      fc.option(shadow, { nil: undefined }),
    )
    .map(([b, segments, s]) => {
      const pin = typeof b === 'string' ? { version: b } : b;
      return { ...pin, ...(segments ? { segments } : {}), ...(s ? { shadow: s } : {}) } as Pin;
    }),
  { nil: undefined },
);
const update: fc.Arbitrary<PinUpdate> = fc.oneof(
  version,
  fc.record(
    {
      version,
      segments: fc.record({ beta: fc.option(version, { nil: null }) }),
      shadow: fc.option(shadow, { nil: null }),
    },
    { requiredKeys: [] },
  ),
);

describe('Function: mergePins, with shadows', () => {
  it('sets, keeps or removes the shadow, never leaves it equal to a default version, and changes nothing else (property)', () => {
    fc.assert(
      fc.property(currentPin, update, fc.constantFrom('summarize', undefined), (before, u, other) => {
        const current = {
          ...(before ? { 'support-reply': before } : {}),
          ...(other ? { [other]: { version: '1.0.0', shadow: { version: '1.1.0', sampleRate: 0.5 } } } : {}),
        };
        const updates = { 'support-reply': u };
        const expectedShadow =
          typeof u === 'string' || u.shadow === undefined ? pinShadow(before) : (u.shadow ?? undefined);
        const expectedDefault =
          typeof u === 'string' ? u : (u.version ?? (before === undefined ? undefined : defaultPin(before)));
        const refused =
          expectedDefault === undefined ||
          (expectedShadow !== undefined &&
            pinVariants(expectedDefault).some((v) => v.version === expectedShadow.version));
        if (refused) {
          expect(() => mergePins(current, updates)).toThrow(ValidationError);
          return;
        }
        const merged = mergePins(current, updates);
        const pin = merged['support-reply'] as Pin;
        expect(pinShadow(pin)).toEqual(expectedShadow);
        expect(defaultPin(pin)).toEqual(expectedDefault);
        if (typeof u === 'string' || u.segments === undefined)
          expect(pinSegments(pin)).toEqual(pinSegments(before));
        if (other) expect(merged[other]).toEqual(current[other]);
        // The stored pin is the plain version when nothing else is left.
        if (pinShadow(pin) === undefined && Object.keys(pinSegments(pin)).length === 0)
          expect(pin).toEqual(expectedDefault);
      }),
      { numRuns: 1000 },
    );
  });

  it('names the shadow field in the refusal', () => {
    const current = { 'support-reply': { version: '1.0.0', shadow: { version: '1.1.0', sampleRate: 0.5 } } };
    for (const updates of [
      { 'support-reply': '1.1.0' },
      { 'support-reply': { shadow: { version: '1.0.0', sampleRate: 1 } } },
    ]) {
      try {
        mergePins(current, updates);
        expect.unreachable();
      } catch (error) {
        expect(((error as ValidationError).errors ?? []).map((e) => e.path)).toEqual([
          'prompts.support-reply.shadow.version',
        ]);
      }
    }
  });
});

describe('Functions: pinVersions, updateVersions, with shadows', () => {
  it('name the shadow version, so every gate and the pinned scan see it', () => {
    const pin = {
      version: '1.0.0',
      segments: { beta: '1.1.0' },
      shadow: { version: '1.2.0', sampleRate: 0.1 },
    };
    expect(pinVersions(pin)).toEqual(['1.0.0', '1.1.0', '1.2.0']);
    expect(updateVersions({ shadow: { version: '1.3.0', sampleRate: 0.1 } })).toEqual(['1.3.0']);
    expect(updateVersions({ version: '1.3.0', shadow: null })).toEqual(['1.3.0']);
  });
});

describe('Function: assertPinUpdates, with shadows', () => {
  it.each<[unknown, string]>([
    [
      { version: '1.0.0', shadow: { version: '1.1.0', sampleRate: 0 } },
      'prompts.support-reply.shadow.sampleRate',
    ],
    [
      { version: '1.0.0', shadow: { version: '1.1.0', sampleRate: Number.NaN } },
      'prompts.support-reply.shadow.sampleRate',
    ],
    [
      { version: '1.0.0', shadow: { version: '1.1.0', sampleRate: 2 } },
      'prompts.support-reply.shadow.sampleRate',
    ],
    [{ version: '1.0.0', shadow: { version: 'x', sampleRate: 1 } }, 'prompts.support-reply.shadow.version'],
    [{ version: '1.0.0', shadow: [] }, 'prompts.support-reply.shadow'],
  ])('refuses %j naming %s', (pin, path) => {
    try {
      assertPinUpdates({ 'support-reply': pin });
      expect.unreachable();
    } catch (error) {
      expect(((error as ValidationError).errors ?? []).map((e) => e.path)).toContain(path);
    }
  });

  it('takes a shadow alone, a shadow with a default, and shadow: null', () => {
    expect(() =>
      assertPinUpdates({
        'prompt-a': { shadow: { version: '1.1.0', sampleRate: 1 } },
        'prompt-b': { version: '1.0.0', shadow: { version: '1.1.0', sampleRate: 0.001 } },
        'prompt-c': { shadow: null },
      }),
    ).not.toThrow();
  });
});
