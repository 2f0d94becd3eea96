/**
 * What an environment serves for a prompt: one version, or a weighted split between versions.
 * The API takes `{id: "1.2.0"}` or `{id: {variants: [{version, weight}]}}`.
 */
import { displayValue, type FieldError, ValidationError } from './errors.ts';
import { promptIdProblem } from './ids.ts';
import type { WeightedVersion } from './variants.ts';
import { isValidVersion } from './versioning.ts';

export type Pin = string | { readonly variants: readonly WeightedVersion[] };
export type Pins = Readonly<Record<string, Pin>>;

/** Every pin as a variant list; a single version is one variant of weight 100. */
export function pinVariants(pin: Pin): readonly WeightedVersion[] {
  return typeof pin === 'string' ? [{ version: pin, weight: 100 }] : pin.variants;
}

/** Every version a pin refers to. */
export function pinVersions(pin: Pin): string[] {
  return pinVariants(pin).map((v) => v.version);
}

/** Field problems with a variant list: versions valid and distinct, whole weights 1..100 summing to 100. */
export function variantProblems(variants: unknown, path = 'variants'): FieldError[] {
  if (!Array.isArray(variants) || variants.length === 0) {
    return [{ path, message: 'variants must be a non-empty list of { version, weight }' }];
  }
  const problems: FieldError[] = [];
  const seen = new Set<string>();
  let total = 0;
  variants.forEach((variant: unknown, i) => {
    const at = `${path}.${i}`;
    const v = variant as Partial<WeightedVersion> | null;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      problems.push({ path: at, message: 'each variant must be { version, weight }' });
      return;
    }
    if (!isValidVersion(v.version)) {
      problems.push({ path: `${at}.version`, message: `${displayValue(v.version)} is not a valid version` });
    } else if (seen.has(v.version)) {
      problems.push({ path: `${at}.version`, message: `version ${v.version} appears twice` });
    } else seen.add(v.version);
    if (typeof v.weight !== 'number' || !Number.isInteger(v.weight) || v.weight < 1 || v.weight > 100) {
      problems.push({
        path: `${at}.weight`,
        message: `weight must be a whole number from 1 to 100, got ${displayValue(v.weight)}`,
      });
    } else total += v.weight;
  });
  if (problems.length === 0 && total !== 100)
    problems.push({ path, message: `weights must sum to 100, got ${total}` });
  return problems;
}

export function pinProblems(pin: unknown, path: string): FieldError[] {
  if (typeof pin === 'string') {
    return isValidVersion(pin) ? [] : [{ path, message: `${displayValue(pin)} is not a valid version` }];
  }
  if (typeof pin === 'object' && pin !== null && !Array.isArray(pin) && 'variants' in pin) {
    const extra = Object.keys(pin).filter((k) => k !== 'variants');
    const problems = variantProblems((pin as { variants: unknown }).variants, `${path}.variants`);
    return extra.length ? [...problems, { path, message: `unknown keys ${extra.join(', ')}` }] : problems;
  }
  return [{ path, message: 'a pin is a version string or { variants: [{ version, weight }] }' }];
}

/** Validates a pins object (prompt id -> pin), naming every bad field. */
export function assertPins(pins: unknown, path = 'prompts'): Pins {
  if (typeof pins !== 'object' || pins === null || Array.isArray(pins)) {
    throw new ValidationError(`${path} must be an object of prompt id to version`, [
      { path, message: 'must be an object of prompt id to version' },
    ]);
  }
  const problems: FieldError[] = [];
  for (const [id, pin] of Object.entries(pins)) {
    const idProblem = promptIdProblem(id);
    if (idProblem) problems.push({ path: `${path}.${id}`, message: idProblem });
    else problems.push(...pinProblems(pin, `${path}.${id}`));
  }
  if (problems.length > 0) {
    throw new ValidationError(
      `Invalid pins: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      problems,
    );
  }
  return pins as Pins;
}
