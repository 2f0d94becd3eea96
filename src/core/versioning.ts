/**
 * Semantic versions of prompts. The bump a change implies follows the prompt's interface: callers
 * pass variables and parse output, so breaking either is major; adding is minor; text is patch.
 */
import semver from 'semver';
import type { PromptDocument } from './document.ts';
import { displayValue, ValidationError, VersionNotGreaterError } from './errors.ts';

export const BUMP_LEVELS = ['patch', 'minor', 'major'] as const;
export type BumpLevel = (typeof BUMP_LEVELS)[number];
export type BumpOption = BumpLevel | 'auto';
export const FIRST_VERSION = '1.0.0';

export interface BumpResult {
  /** `none` when the documents are identical. */
  readonly level: BumpLevel | 'none';
  readonly reasons: readonly string[];
}

const RANK: Record<BumpLevel | 'none', number> = { none: 0, patch: 1, minor: 2, major: 3 };

export function bumpRank(level: BumpLevel | 'none'): number {
  return RANK[level];
}

/** The largest number in any part of a version (so that versionSortKey can pad it). */
export const MAX_VERSION_NUMBER = 999_999;

/**
 * A version is plain semver (`1.2.3` or `1.2.3-rc.1`), without a `v` prefix or build metadata, and
 * no number in it above MAX_VERSION_NUMBER.
 */
export function isValidVersion(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 64 || value.includes('+')) return false;
  const parsed = semver.parse(value);
  if (!parsed || parsed.version !== value) return false;
  return [parsed.major, parsed.minor, parsed.patch, ...parsed.prerelease].every(
    (part) => typeof part !== 'number' || part <= MAX_VERSION_NUMBER,
  );
}

export function assertVersion(value: unknown, path = 'version'): string {
  if (isValidVersion(value)) return value;
  const message = `${displayValue(value)} is not a valid version: use semantic versioning such as 1.4.0 (no "v" prefix, no build metadata, numbers up to ${MAX_VERSION_NUMBER})`;
  throw new ValidationError(message, [{ path, message }]);
}

export function compareVersions(a: string, b: string): number {
  return semver.compare(a, b);
}

/** Newest first. */
export function sortVersionsDescending(versions: readonly string[]): string[] {
  return [...versions].sort((a, b) => semver.rcompare(a, b));
}

export function nextVersion(latest: string | undefined, level: BumpLevel): string {
  if (latest === undefined) return FIRST_VERSION;
  const next = semver.inc(latest, level);
  if (!next) throw new ValidationError(`cannot bump ${displayValue(latest)}: it is not a valid version`);
  return next;
}

/** The level of the step from `from` to `to` (`to` must be greater). */
export function versionStep(from: string, to: string): BumpLevel {
  const diff = semver.diff(from, to);
  if (diff === 'major' || diff === 'premajor') return 'major';
  if (diff === 'minor' || diff === 'preminor') return 'minor';
  return 'patch';
}

/**
 * A key whose byte order is the versions' semver order (for DynamoDB sort keys): zero-padded
 * numbers, numeric prerelease identifiers before alphanumeric ones, identifiers joined by `!` (below
 * every character an identifier may hold, so a shorter identifier sorts first), and a release after
 * its prereleases (`~` above `-`).
 */
export function versionSortKey(version: string): string {
  const parsed = isValidVersion(version) ? semver.parse(version) : null;
  if (!parsed) throw new ValidationError(`${displayValue(version)} is not a valid version`);
  const pad = (n: number) => String(n).padStart(6, '0');
  const core = `${pad(parsed.major)}.${pad(parsed.minor)}.${pad(parsed.patch)}`;
  if (parsed.prerelease.length === 0) return `${core}~`;
  const pre = parsed.prerelease.map((p) => (typeof p === 'number' ? `0${pad(p)}` : `1${p}`)).join('!');
  return `${core}-${pre}`;
}

/** What changing `previous` into `next` implies for the version, with one reason per change. */
export function impliedBump(previous: PromptDocument, next: PromptDocument): BumpResult {
  const reasons: { level: BumpLevel; text: string }[] = [];
  const add = (level: BumpLevel, text: string) => reasons.push({ level, text });

  if (previous.kind !== next.kind) add('major', `prompt kind changed from ${previous.kind} to ${next.kind}`);

  compareVariables(previous, next, add);
  if (previous.kind === next.kind) {
    if (next.kind === 'text') compareTextSections(previous, next, add);
    else compareChatMessages(previous, next, add);
  }
  compareModel(previous, next, add);

  if (previous.description !== next.description) add('patch', 'description changed');
  if (previous.owner !== next.owner) add('patch', 'owner changed');
  if (!sameJson(previous.tags ?? [], next.tags ?? [])) add('patch', 'tags changed');
  if (!sameJson(previous.metadata ?? {}, next.metadata ?? {})) add('patch', 'metadata changed');

  if (reasons.length === 0) return { level: 'none', reasons: [] };
  const level = reasons.reduce<BumpLevel>((max, r) => (RANK[r.level] > RANK[max] ? r.level : max), 'patch');
  const ordered = [...reasons].sort((a, b) => RANK[b.level] - RANK[a.level]);
  return { level, reasons: ordered.map((r) => `${r.level}: ${r.text}`) };
}

type AddReason = (level: BumpLevel, text: string) => void;

function compareVariables(previous: PromptDocument, next: PromptDocument, add: AddReason): void {
  const before = previous.variables;
  const after = next.variables;
  const removed = Object.keys(before).filter((n) => !Object.hasOwn(after, n));
  const added = Object.keys(after).filter((n) => !Object.hasOwn(before, n));

  // One variable out and one of the same type in reads as a rename.
  const [onlyRemoved] = removed;
  const [onlyAdded] = added;
  if (
    removed.length === 1 &&
    added.length === 1 &&
    onlyRemoved !== undefined &&
    onlyAdded !== undefined &&
    before[onlyRemoved]?.type === after[onlyAdded]?.type
  ) {
    add('major', `variable "${onlyRemoved}" renamed to "${onlyAdded}"`);
  } else {
    for (const name of removed) add('major', `variable "${name}" removed`);
    for (const name of added) {
      const spec = after[name];
      if (spec?.required) add('major', `required variable "${name}" added (callers must pass it)`);
      else add('minor', `optional variable "${name}" added`);
    }
  }

  for (const [name, old] of Object.entries(before)) {
    const now = after[name];
    if (!now) continue;
    if (old.type !== now.type)
      add('major', `variable "${name}" changed type from ${old.type} to ${now.type}`);
    if (!old.required && now.required) add('major', `variable "${name}" is now required`);
    if (old.required && !now.required) add('minor', `variable "${name}" is now optional`);
    if (old.default !== now.default) add('patch', `default of variable "${name}" changed`);
    if (old.description !== now.description) add('patch', `description of variable "${name}" changed`);
  }
}

function compareTextSections(previous: PromptDocument, next: PromptDocument, add: AddReason): void {
  const before = new Map(previous.sections.map((s) => [s.name, s.content]));
  const after = new Map(next.sections.map((s) => [s.name, s.content]));
  for (const [name, content] of after) {
    const old = before.get(name);
    if (old === undefined) {
      add(name === 'output_format' ? 'major' : 'minor', `section "${name}" added`);
    } else if (old !== content) {
      add(name === 'output_format' ? 'major' : 'patch', `section "${name}" text changed`);
    }
  }
  for (const name of before.keys()) {
    if (!after.has(name)) add(name === 'output_format' ? 'major' : 'minor', `section "${name}" removed`);
  }
  const orderBefore = previous.sections.map((s) => s.name).filter((n) => after.has(n));
  const orderAfter = next.sections.map((s) => s.name).filter((n) => before.has(n));
  if (!sameJson(orderBefore, orderAfter)) add('patch', 'sections reordered');
}

function compareChatMessages(previous: PromptDocument, next: PromptDocument, add: AddReason): void {
  const count = Math.max(previous.sections.length, next.sections.length);
  for (let i = 0; i < count; i++) {
    const old = previous.sections[i];
    const now = next.sections[i];
    if (!old && now) add('minor', `message ${i + 1} (${now.name}) added`);
    else if (old && !now) add('minor', `message ${i + 1} (${old.name}) removed`);
    else if (old && now && old.name !== now.name)
      add('minor', `message ${i + 1} changed role from ${old.name} to ${now.name}`);
    else if (old && now && old.content !== now.content)
      add('patch', `message ${i + 1} (${now.name}) text changed`);
  }
}

function compareModel(previous: PromptDocument, next: PromptDocument, add: AddReason): void {
  const before = previous.model ?? {};
  const after = next.model ?? {};
  for (const key of ['provider', 'id'] as const) {
    if (before[key] !== after[key]) {
      add('minor', `model ${key} changed from ${before[key] ?? '(none)'} to ${after[key] ?? '(none)'}`);
    }
  }
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of keys) {
    if (key === 'provider' || key === 'id') continue;
    if (!sameJson(before[key], after[key])) {
      add(
        'patch',
        `model ${key} changed from ${JSON.stringify(before[key]) ?? '(none)'} to ${JSON.stringify(after[key]) ?? '(none)'}`,
      );
    }
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export interface PublishVersionInput {
  readonly document: PromptDocument;
  /** The latest published version and its document, when the prompt has one. */
  readonly latest?: { readonly version: string; readonly document: PromptDocument };
  readonly version?: string;
  readonly bump?: BumpOption;
}

export interface PublishVersionDecision {
  readonly version: string;
  readonly bump: BumpResult;
  /** True when the document is identical to the latest version and no version was asked for. */
  readonly unchanged: boolean;
}

/**
 * Decides the version to publish: the given one, or the latest bumped by the requested or implied
 * level. A version or bump below what the change implies is rejected with the reasons.
 */
export function decidePublishVersion(input: PublishVersionInput): PublishVersionDecision {
  const given = input.version === undefined ? undefined : assertVersion(input.version);
  const requested = input.bump ?? 'auto';
  if (!input.latest) {
    return {
      version: given ?? FIRST_VERSION,
      bump: { level: 'major', reasons: ['major: first version'] },
      unchanged: false,
    };
  }

  const implied = impliedBump(input.latest.document, input.document);
  if (implied.level === 'none' && given === undefined && requested === 'auto') {
    return { version: input.latest.version, bump: implied, unchanged: true };
  }

  if (given !== undefined) {
    if (compareVersions(given, input.latest.version) <= 0) {
      throw new VersionNotGreaterError(
        `Version ${given} is not greater than the latest version ${input.latest.version}: publish ${nextVersion(input.latest.version, implied.level === 'none' ? 'patch' : implied.level)} or omit the version`,
      );
    }
    const step = versionStep(input.latest.version, given);
    assertNotBelowImplied(step, implied, `version ${given} is a ${step} step from ${input.latest.version}`);
    return { version: given, bump: { level: step, reasons: implied.reasons }, unchanged: false };
  }

  const level: BumpLevel =
    requested === 'auto' ? (implied.level === 'none' ? 'patch' : implied.level) : requested;
  if (requested !== 'auto') assertNotBelowImplied(level, implied, `bump "${requested}"`);
  const reasons = implied.level === 'none' ? [`${level}: republished without changes`] : implied.reasons;
  return { version: nextVersion(input.latest.version, level), bump: { level, reasons }, unchanged: false };
}

function assertNotBelowImplied(level: BumpLevel, implied: BumpResult, what: string): void {
  if (RANK[level] >= RANK[implied.level]) return;
  const message = `${what} is below what the change implies (${implied.level}): ${implied.reasons.join('; ')}`;
  throw new ValidationError(message, [{ path: 'version', message }]);
}
