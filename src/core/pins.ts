/**
 * What an environment serves for a prompt: one version, or a weighted split between versions, and
 * optionally other pins for named segments (docs/segments.md) and a shadow candidate run beside the
 * default for a sampled share of calls (docs/shadows.md). The API takes `{id: "1.2.0"}`,
 * `{id: {variants: [{version, weight}]}}`, `{id: {version | variants, segments: {beta: "1.3.0"}}}` or
 * `{id: {version | variants, shadow: {version: "1.3.0", sampleRate: 0.1}}}`.
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
/**
 * A shadow candidate (docs/shadows.md): the version run beside the primary for `sampleRate`
 * (0 < sampleRate <= 1) of calls, whose output nobody sees.
 */
export interface ShadowPin {
  readonly version: string;
  readonly sampleRate: number;
}
/** A prompt's pin: the default, and (when any segment has its own) the segment pins, and a shadow. */
export type Pin =
  | string
  | { readonly version: string; readonly segments?: SegmentPins; readonly shadow?: ShadowPin }
  | {
      readonly variants: readonly WeightedVersion[];
      readonly segments?: SegmentPins;
      readonly shadow?: ShadowPin;
    };
export type Pins = Readonly<Record<string, Pin>>;

/**
 * What a deploy names for one prompt: a new default, segment pins to set, or `null` to remove a
 * segment's pin; a shadow to set, or `shadow: null` to remove it. What it leaves out keeps its
 * current pin (and its shadow).
 */
export type PinUpdate =
  | string
  | {
      readonly version?: string;
      readonly variants?: readonly WeightedVersion[];
      readonly segments?: Readonly<Record<string, BasePin | null>>;
      readonly shadow?: ShadowPin | null;
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

/** The shadow candidate (docs/shadows.md), or undefined for a pin without one. */
export function pinShadow(pin: Pin | undefined): ShadowPin | undefined {
  return typeof pin === 'object' && 'shadow' in pin ? pin.shadow : undefined;
}

/**
 * A pin from its default and segment pins and its shadow; without segments or shadow it is the
 * default pin as it is.
 */
export function withSegments(base: BasePin, segments: SegmentPins, shadow?: ShadowPin): Pin {
  const extra = {
    ...(Object.keys(segments).length > 0 ? { segments } : {}),
    ...(shadow !== undefined ? { shadow } : {}),
  };
  if (Object.keys(extra).length === 0) return base;
  return typeof base === 'string' ? { version: base, ...extra } : { variants: base.variants, ...extra };
}

/** Every version a pin refers to, the default's first, each once; the shadow's last. */
export function pinVersions(pin: Pin): string[] {
  const versions = pinVariants(pin).map((v) => v.version);
  for (const segment of Object.values(pinSegments(pin))) versions.push(...pinVersions(segment));
  const shadow = pinShadow(pin);
  if (shadow) versions.push(shadow.version);
  return [...new Set(versions)];
}

/** The versions a deploy names for one prompt (the shadow's included): the ones its gates check. */
export function updateVersions(update: PinUpdate): string[] {
  if (typeof update === 'string') return [update];
  const versions: string[] = [];
  if (update.version !== undefined) versions.push(update.version);
  for (const v of update.variants ?? []) versions.push(v.version);
  for (const segment of Object.values(update.segments ?? {})) {
    if (segment !== null) versions.push(...pinVersions(segment));
  }
  if (update.shadow) versions.push(update.shadow.version);
  return [...new Set(versions)];
}

/**
 * The environment's pins after a deploy (today's rule, per segment): a prompt the deploy names gets
 * the default it names, or keeps its own; each segment it names gets that pin, or loses its pin for
 * `null`; every other prompt and segment keeps its pin. The shadow likewise: the one named, none for
 * `shadow: null`, else the one it had. Throws `ValidationError` for segment pins or a shadow on a
 * prompt with no default, more than MAX_SEGMENTS_PER_PROMPT segments once merged, or a shadow whose
 * version the default serves once merged (docs/shadows.md).
 */
export function mergePins(current: Pins, updates: PinUpdates, path = 'prompts'): Pins {
  const merged: Record<string, Pin> = { ...current };
  const problems: FieldError[] = [];
  for (const [id, update] of Object.entries(updates)) {
    const before = current[id];
    if (typeof update === 'string') {
      const shadow = pinShadow(before);
      if (shadow && shadow.version === update) {
        problems.push(shadowIsPrimary(path, id, update));
        continue;
      }
      merged[id] = withSegments(update, pinSegments(before), shadow);
      continue;
    }
    const base: BasePin | undefined =
      update.version ??
      (update.variants ? { variants: update.variants } : undefined) ??
      (before && defaultPin(before));
    if (base === undefined) {
      problems.push({
        path: `${path}.${id}`,
        message:
          update.shadow !== undefined && update.segments === undefined
            ? `${id} is not deployed in this environment: a shadow runs beside a primary pin, so give a default version (version or variants) with it`
            : `${id} is not deployed in this environment: give a default version (version or variants) with its first segment pins`,
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
    const shadow = update.shadow === null ? undefined : (update.shadow ?? pinShadow(before));
    if (shadow && pinVariants(base).some((v) => v.version === shadow.version)) {
      problems.push(shadowIsPrimary(path, id, shadow.version));
      continue;
    }
    merged[id] = withSegments(base, segments, shadow);
  }
  if (problems.length > 0) throw invalidPins(problems);
  return merged;
}

function shadowIsPrimary(path: string, id: string, version: string): FieldError {
  return {
    path: `${path}.${id}.shadow.version`,
    message: `${id}@${version} is the primary version (or one of its variants): a shadow runs a different version; deploy another candidate, or shadow: null to remove the shadow`,
  };
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
  const extra = Object.keys(pin).filter(
    (k) => k !== 'version' && k !== 'variants' && k !== 'segments' && k !== 'shadow',
  );
  if (extra.length) problems.push({ path, message: `unknown keys ${extra.join(', ')}` });
  if (pin.version !== undefined && pin.variants !== undefined)
    problems.push({ path, message: 'give either version or variants, not both' });
  if (
    pin.version === undefined &&
    pin.variants === undefined &&
    pin.segments === undefined &&
    pin.shadow === undefined
  )
    problems.push({ path, message: 'a pin names a version, variants, segments or a shadow' });
  if (pin.version !== undefined) problems.push(...pinProblems(pin.version, `${path}.version`));
  if (pin.variants !== undefined) problems.push(...variantProblems(pin.variants, `${path}.variants`));
  if (pin.segments !== undefined) problems.push(...segmentProblems(pin.segments, `${path}.segments`));
  if (pin.shadow !== undefined && pin.shadow !== null)
    problems.push(...shadowProblems(pin.shadow, `${path}.shadow`));
  return problems;
}

/** Whether a sample rate is one a shadow may have: a number above 0 and at most 1. */
export function isSampleRate(rate: unknown): rate is number {
  return typeof rate === 'number' && Number.isFinite(rate) && rate > 0 && rate <= 1;
}

/** Field problems with a shadow pin `{version, sampleRate}` (docs/shadows.md). */
export function shadowProblems(shadow: unknown, path = 'shadow'): FieldError[] {
  if (typeof shadow !== 'object' || shadow === null || Array.isArray(shadow)) {
    return [
      {
        path,
        message: `a shadow is { version, sampleRate } (or null to remove it), got ${displayValue(shadow)}`,
      },
    ];
  }
  const s = shadow as Record<string, unknown>;
  const problems: FieldError[] = [];
  const extra = Object.keys(s).filter((k) => k !== 'version' && k !== 'sampleRate');
  if (extra.length) problems.push({ path, message: `unknown keys ${extra.join(', ')}` });
  if (!isValidVersion(s.version))
    problems.push({ path: `${path}.version`, message: `${displayValue(s.version)} is not a valid version` });
  if (!isSampleRate(s.sampleRate)) {
    problems.push({
      path: `${path}.sampleRate`,
      message: `sampleRate is the share of calls that also run the shadow: a number above 0 and at most 1, got ${displayValue(s.sampleRate)}`,
    });
  }
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
