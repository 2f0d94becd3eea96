/**
 * Which prompts a deployment changed, and what each is judged against: the baseline is the version
 * the previous pin served (of a split, the variant with the largest weight: most of the traffic the
 * candidate replaces), the candidates are the new pin's other versions.
 */
import { type Pin, type Pins, pinVariants } from '../../src/core/pins.ts';

export interface ChangedPrompt {
  readonly promptId: string;
  readonly baseline: string;
  readonly candidates: readonly string[];
}

/** The heaviest variant's version; the first of equals. */
export function baselineOf(pin: Pin): string {
  let best = pinVariants(pin)[0];
  for (const variant of pinVariants(pin))
    if (best === undefined || variant.weight > best.weight) best = variant;
  return best?.version ?? '';
}

/**
 * Prompts present before and after whose pin differs and which serve a version other than the
 * baseline. A prompt new in the deployment has nothing to be compared with and is left out.
 */
export function changedPrompts(before: Pins, after: Pins): ChangedPrompt[] {
  const changed: ChangedPrompt[] = [];
  for (const [promptId, pin] of Object.entries(after)) {
    const previous = before[promptId];
    if (previous === undefined || samePin(previous, pin)) continue;
    const baseline = baselineOf(previous);
    // The default pin's versions only: segment pins (docs/segments.md) serve chosen groups, not the canary.
    const candidates = pinVariants(pin)
      .map((v) => v.version)
      .filter((version) => version !== baseline);
    if (candidates.length > 0) changed.push({ promptId, baseline, candidates });
  }
  return changed;
}

function samePin(a: Pin, b: Pin): boolean {
  const left = pinVariants(a);
  const right = pinVariants(b);
  return (
    left.length === right.length &&
    left.every((v, i) => v.version === right[i]?.version && v.weight === right[i]?.weight)
  );
}
