import { contains } from './contains.ts';
import { containsJson } from './contains-json.ts';
import { cost } from './cost.ts';
import { equals } from './equals.ts';
import { icontains } from './icontains.ts';
import { isJson } from './is-json.ts';
import { latency } from './latency.ts';
import { llmRubric } from './llm-rubric.ts';
import { negated } from './negation.ts';
import { regex } from './regex.ts';
import { renderedContains } from './rendered-contains.ts';
import { renderedRegex } from './rendered-regex.ts';
import { startsWith } from './starts-with.ts';
import type { AssertionDefinition } from './types.ts';

export { NOT_GRADABLE_WITH_ECHO } from './llm-rubric.ts';
export { regexProblem } from './regex.ts';
export type {
  AssertionContext,
  AssertionDefinition,
  AssertionInput,
  AssertionJudge,
  AssertionOutcome,
  AssertionResult,
  AssertionThresholdKind,
  AssertionValueKind,
} from './types.ts';

const BASE: readonly AssertionDefinition[] = [
  equals,
  contains,
  icontains,
  startsWith,
  regex,
  isJson,
  containsJson,
  latency,
  cost,
  llmRubric,
  renderedContains,
  renderedRegex,
];

/** Every assertion type, the `not-` forms of the text assertions included, by type. */
export const ASSERTIONS: ReadonlyMap<string, AssertionDefinition> = new Map(
  [...BASE, ...BASE.filter((d) => d.negatable).map(negated)].map((d) => [d.type, d]),
);

export const ASSERTION_TYPES: readonly string[] = [...ASSERTIONS.keys()];
