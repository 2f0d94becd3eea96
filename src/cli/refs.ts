/** Prompt references on the command line: `<id>@<version>` and A/B splits `<id>=<v1>:<w1>,<v2>:<w2>`. */
import { PROMPT_ID_RULE, promptIdProblem } from '../core/ids.ts';
import { type BasePin, defaultPin, type Pin, pinSegments, pinShadow, variantProblems } from '../core/pins.ts';
import { isValidVersion } from '../core/versioning.ts';
import { UsageError } from './errors.ts';

export interface VersionRef {
  readonly id: string;
  readonly version: string;
}

export function parsePromptId(value: string, what = 'prompt id'): string {
  const problem = promptIdProblem(value);
  if (problem) throw new UsageError(`Bad ${what}: ${problem}`);
  return value;
}

export function parseVersion(value: string, what = 'version'): string {
  if (!isValidVersion(value))
    throw new UsageError(
      `Bad ${what} ${JSON.stringify(value)}: use a semantic version such as 1.2.0 or 2.0.0-rc.1`,
    );
  return value;
}

/** `support-reply@1.2.0`. */
export function parseVersionRef(value: string): VersionRef {
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1) {
    throw new UsageError(
      `Bad prompt reference ${JSON.stringify(value)}: use <id>@<version>, for example support-reply@1.2.0`,
    );
  }
  const id = value.slice(0, at);
  const version = value.slice(at + 1);
  const problem = promptIdProblem(id);
  if (problem)
    throw new UsageError(
      `Bad prompt reference ${JSON.stringify(value)}: ${JSON.stringify(id)} is not a prompt id (${PROMPT_ID_RULE})`,
    );
  if (!isValidVersion(version))
    throw new UsageError(
      `Bad prompt reference ${JSON.stringify(value)}: ${JSON.stringify(version)} is not a semantic version such as 1.2.0`,
    );
  return { id, version };
}

/** `support-reply=1.2.0:90,1.3.0:10`: whole weights from 1 to 100 summing to 100, distinct versions. */
export function parseSplit(value: string): { id: string; pin: BasePin } {
  const usage = `use --split <id>=<version>:<weight>,<version>:<weight>, for example support-reply=1.2.0:90,1.3.0:10`;
  const eq = value.indexOf('=');
  if (eq <= 0) throw new UsageError(`Bad split ${JSON.stringify(value)}: ${usage}`);
  const id = value.slice(0, eq);
  const problem = promptIdProblem(id);
  if (problem) throw new UsageError(`Bad split ${JSON.stringify(value)}: ${problem}`);
  const variants = value
    .slice(eq + 1)
    .split(',')
    .map((part) => {
      const colon = part.lastIndexOf(':');
      if (colon <= 0)
        throw new UsageError(
          `Bad split ${JSON.stringify(value)}: ${JSON.stringify(part)} is not <version>:<weight>; ${usage}`,
        );
      const weightText = part.slice(colon + 1);
      return {
        version: part.slice(0, colon),
        weight: /^\d+$/.test(weightText) ? Number(weightText) : Number.NaN,
      };
    });
  if (variants.length < 2)
    throw new UsageError(`Bad split ${JSON.stringify(value)}: a split needs at least two versions; ${usage}`);
  const problems = variantProblems(variants, 'split');
  if (problems.length > 0) {
    throw new UsageError(
      `Bad split ${JSON.stringify(value)}: ${problems.map((p) => p.message.replace(/, got NaN$/, '')).join('; ')}`,
    );
  }
  return { id, pin: { variants } };
}

/**
 * `1.2.0`, `1.1.0 (90%) / 1.2.0 (10%)`, with each segment's pin after it: `1.1.0  beta: 1.2.0`, and the
 * shadow last (docs/shadows.md): `1.1.0  shadow: 1.2.0 (sampled 10%)`.
 */
export function describePin(pin: Pin): string {
  const describe = (base: BasePin) =>
    typeof base === 'string' ? base : base.variants.map((v) => `${v.version} (${v.weight}%)`).join(' / ');
  const segments = Object.entries(pinSegments(pin)).map(([name, segment]) => `${name}: ${describe(segment)}`);
  const shadow = pinShadow(pin);
  const shadowText = shadow ? [`shadow: ${shadow.version} (sampled ${formatRate(shadow.sampleRate)})`] : [];
  return [describe(defaultPin(pin)), ...segments, ...shadowText].join('  ');
}

/** A sample rate as a percentage: 0.1 -> `10%`, 0.005 -> `0.5%`. */
function formatRate(rate: number): string {
  return `${Number((rate * 100).toPrecision(4))}%`;
}
