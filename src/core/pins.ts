/**
 * What an environment serves for a prompt: one version, or a weighted split between versions, and
 * optionally other pins for named segments (docs/segments.md). The API takes `{id: "1.2.0"}`,
 * `{id: {variants: [{version, weight}]}}` or `{id: {version | variants, segments: {beta: "1.3.0"}}}`.
 */
import { displayValue, type FieldError, ValidationError } from './errors.ts';
import { promptIdProblem } from './ids.ts';
import { MAX_SEGMENTS_PER_PROMPT, segmentNameProblem } from './segments.ts';
import type { WeightedVersion } from './variants.ts';
import { isValidVersion } from './versioning.ts';

/** One version or a weighted split: what the default and each segment pin. */
export type BasePin = string | { readonly variants: readonly WeightedVersion[] };
/** Segment name -> its pin. */
export type SegmentPins = Readonly<Record<string, BasePin>>;
/** A prompt's pin: the default, and (when any segment has its own) the segment pins. */
export type Pin =
  | string
  | { readonly version: string; readonly segments?: SegmentPins }
  | { readonly variants: readonly WeightedVersion[]; readonly segments?: SegmentPins };
export type Pins = Readonly<Record<string, Pin>>;

/**
 * What a deploy names for one prompt: a new default, segment pins to set, or `null` to remove a
 * segment's pin. What it leaves out keeps its current pin.
 */
export type PinUpdate =
  | string
  | {
      readonly version?: string;
      readonly variants?: readonly WeightedVersion[];
      readonly segments?: Readonly<Record<string, BasePin | null>>;
    };
export type PinUpdates = Readonly<Record<string, PinUpdate>>;

/** The default pin as a variant list; a single version is one variant of weight 100. */
export function pinVariants(pin: Pin): readonly WeightedVersion[] {
  if (typeof pin === 'string') return [{ version: pin, weight: 100 }];
  return 'version' in pin ? [{ version: pin.version, weight: 100 }] : pin.variants;
}

/** The default pin, without the segments. */
export function defaultPin(pin: Pin): BasePin {
  if (typeof pin === 'string') return pin;
  return 'version' in pin ? pin.version : { variants: pin.variants };
}

/** The segment pins (none for a pin without segments). */
export function pinSegments(pin: Pin | undefined): SegmentPins {
  return typeof pin === 'object' && 'segments' in pin && pin.segments !== undefined ? pin.segments : {};
}

/** A pin from its default and segment pins; without segments it is the default pin as it is. */
export function withSegments(base: BasePin, segments: SegmentPins): Pin {
  if (Object.keys(segments).length === 0) return base;
  return typeof base === 'string' ? { version: base, segments } : { variants: base.variants, segments };
}

/** Every version a pin refers to, the default's first, each once. */
export function pinVersions(pin: Pin): string[] {
  const versions = pinVariants(pin).map((v) => v.version);
  for (const segment of Object.values(pinSegments(pin))) versions.push(...pinVersions(segment));
  return [...new Set(versions)];
}

/** The versions a deploy names for one prompt: the ones its gates check. */
export function updateVersions(update: PinUpdate): string[] {
  if (typeof update === 'string') return [update];
  const versions: string[] = [];
  if (update.version !== undefined) versions.push(update.version);
  for (const v of update.variants ?? []) versions.push(v.version);
  for (const segment of Object.values(update.segments ?? {})) {
    if (segment !== null) versions.push(...pinVersions(segment));
  }
  return [...new Set(versions)];
}

/**
 * The environment's pins after a deploy (today's rule, per segment): a prompt the deploy names gets
 * the default it names, or keeps its own; each segment it names gets that pin, or loses its pin for
 * `null`; every other prompt and segment keeps its pin. Throws `ValidationError` for segment pins on
 * a prompt with no default, or more than MAX_SEGMENTS_PER_PROMPT segments once merged.
 */
export function mergePins(current: Pins, updates: PinUpdates, path = 'prompts'): Pins {
  const merged: Record<string, Pin> = { ...current };
  const problems: FieldError[] = [];
  for (const [id, update] of Object.entries(updates)) {
    const before = current[id];
    if (typeof update === 'string') {
      merged[id] = withSegments(update, pinSegments(before));
      continue;
    }
    const base: BasePin | undefined =
      update.version ??
      (update.variants ? { variants: update.variants } : undefined) ??
      (before && defaultPin(before));
    if (base === undefined) {
      problems.push({
        path: `${path}.${id}`,
        message: `${id} is not deployed in this environment: give a default version (version or variants) with its first segment pins`,
      });
      continue;
    }
    const segments: Record<string, BasePin> = { ...pinSegments(before) };
    for (const [name, pin] of Object.entries(update.segments ?? {})) {
      if (pin === null) delete segments[name];
      else segments[name] = pin;
    }
    const count = Object.keys(segments).length;
    if (count > MAX_SEGMENTS_PER_PROMPT) {
      problems.push({
        path: `${path}.${id}.segments`,
        message: `a prompt may pin at most ${MAX_SEGMENTS_PER_PROMPT} segments; with this deploy ${id} would pin ${count}: remove some (segment: null)`,
      });
      continue;
    }
    merged[id] = withSegments(base, segments);
  }
  if (problems.length > 0) throw invalidPins(problems);
  return merged;
}

function invalidPins(problems: readonly FieldError[]): ValidationError {
  return new ValidationError(
    `Invalid pins: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    problems,
  );
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

/** Field problems with what a deploy names for one prompt (PinUpdate). */
export function pinUpdateProblems(update: unknown, path: string): FieldError[] {
  if (typeof update === 'string') return pinProblems(update, path);
  if (typeof update !== 'object' || update === null || Array.isArray(update)) {
    return [
      {
        path,
        message:
          'a pin is a version string, { variants: [{ version, weight }] } or { version | variants, segments }',
      },
    ];
  }
  const pin = update as Record<string, unknown>;
  const problems: FieldError[] = [];
  const extra = Object.keys(pin).filter((k) => k !== 'version' && k !== 'variants' && k !== 'segments');
  if (extra.length) problems.push({ path, message: `unknown keys ${extra.join(', ')}` });
  if (pin.version !== undefined && pin.variants !== undefined)
    problems.push({ path, message: 'give either version or variants, not both' });
  if (pin.version === undefined && pin.variants === undefined && pin.segments === undefined)
    problems.push({ path, message: 'a pin names a version, variants or segments' });
  if (pin.version !== undefined) problems.push(...pinProblems(pin.version, `${path}.version`));
  if (pin.variants !== undefined) problems.push(...variantProblems(pin.variants, `${path}.variants`));
  if (pin.segments !== undefined) problems.push(...segmentProblems(pin.segments, `${path}.segments`));
  return problems;
}

function segmentProblems(segments: unknown, path: string): FieldError[] {
  if (typeof segments !== 'object' || segments === null || Array.isArray(segments)) {
    return [
      {
        path,
        message: `segments must be an object of segment name to a version, { variants } or null, got ${displayValue(segments)}`,
      },
    ];
  }
  const entries = Object.entries(segments);
  const problems: FieldError[] = [];
  if (entries.length > MAX_SEGMENTS_PER_PROMPT) {
    problems.push({
      path,
      message: `a prompt may pin at most ${MAX_SEGMENTS_PER_PROMPT} segments, got ${entries.length}`,
    });
  }
  for (const [name, pin] of entries) {
    const nameProblem = segmentNameProblem(name);
    if (nameProblem) problems.push({ path: `${path}.${name}`, message: nameProblem });
    else if (pin !== null) problems.push(...pinProblems(pin, `${path}.${name}`));
  }
  return problems;
}

/** Validates what a deploy names (prompt id -> PinUpdate), naming every bad field. */
export function assertPinUpdates(pins: unknown, path = 'prompts'): PinUpdates {
  if (typeof pins !== 'object' || pins === null || Array.isArray(pins)) {
    throw new ValidationError(`${path} must be an object of prompt id to version`, [
      { path, message: 'must be an object of prompt id to version' },
    ]);
  }
  const problems: FieldError[] = [];
  for (const [id, pin] of Object.entries(pins)) {
    const idProblem = promptIdProblem(id);
    if (idProblem) problems.push({ path: `${path}.${id}`, message: idProblem });
    else problems.push(...pinUpdateProblems(pin, `${path}.${id}`));
  }
  if (problems.length > 0) throw invalidPins(problems);
  return pins as PinUpdates;
}

/** Validates a pins object (prompt id -> pin, without segments), naming every bad field. */
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
  if (problems.length > 0) throw invalidPins(problems);
  return pins as Pins;
}
