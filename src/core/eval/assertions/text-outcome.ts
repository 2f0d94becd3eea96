import { displayValue } from '../../errors.ts';
import type { AssertionOutcome } from './types.ts';

/** A pass/fail outcome of a text check, scored 1 or 0. */
export function textOutcome(passed: boolean, reason: string): AssertionOutcome {
  return { passed, score: passed ? 1 : 0, reason };
}

/** The start of a text for a reason, quoted and capped. */
export function excerpt(text: string): string {
  return displayValue(text, 60);
}
