/**
 * The export archive: one JSON file holding every entry (a DynamoDB item as stored, or a document
 * text), the SHA-256 of each entry, and a checksum over the checksum list and the counts. `verify`
 * checks all of it, and that each item is what its key says, before an import writes anything.
 */
import canonicalize from 'canonicalize';
import * as v from 'valibot';
import { KEYS } from '../core/contracts.ts';
import { feedbackAggregateShardSk } from '../core/feedback-shards.ts';
import { sha256Hex } from '../core/hash.ts';

export const ARCHIVE_FORMAT = 'promptops-archive';
export const ARCHIVE_FORMAT_VERSION = 1;

export const ENTRY_KINDS = [
  'document',
  'version',
  'prompt',
  'revision',
  'environment',
  'audit',
  'feedback-aggregate',
  'feedback',
] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];
export type ItemKind = Exclude<EntryKind, 'document'>;
export type TableName = 'main' | 'feedback';

export type Item = Record<string, unknown>;

export interface DocumentEntry {
  readonly key: string;
  readonly kind: 'document';
  readonly sha256: string;
  readonly text: string;
}

export interface ItemEntry {
  readonly key: string;
  readonly kind: ItemKind;
  readonly table: TableName;
  readonly item: Item;
}

export type ArchiveEntry = DocumentEntry | ItemEntry;

export type Counts = Record<EntryKind, number>;

export interface Archive {
  readonly format: typeof ARCHIVE_FORMAT;
  readonly formatVersion: typeof ARCHIVE_FORMAT_VERSION;
  readonly exportedAt: string;
  /** Where it was exported from, for people. */
  readonly source: Readonly<Record<string, string>>;
  readonly counts: Counts;
  /** Entry key -> SHA-256 of the entry's canonical JSON. */
  readonly checksums: Readonly<Record<string, string>>;
  /** SHA-256 of the canonical JSON of the format, counts and checksums. */
  readonly archiveChecksum: string;
  readonly entries: readonly ArchiveEntry[];
}

/** Environment state fields that belong to the source's AppConfig deployment, not to the pins. */
export const DEPLOYMENT_FIELDS = ['deployment', 'pendingRevision', 'pendingUntil'] as const;

/** Throws for what RFC 8785 canonicalization would drop or change silently, naming where it is. */
function assertJsonValue(value: unknown, path: string): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${path} is ${value}, which JSON cannot carry`);
    return;
  }
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) assertJsonValue(v, `${path}.${i}`);
    return;
  }
  if (typeof value === 'object') {
    if (value instanceof Set || value instanceof Map || ArrayBuffer.isView(value))
      throw new TypeError(`${path} is a set or binary value, which the archive format does not carry`);
    for (const [k, v] of Object.entries(value)) if (v !== undefined) assertJsonValue(v, `${path}.${k}`);
    return;
  }
  throw new TypeError(`${path} is a ${typeof value}, which JSON cannot carry`);
}

/**
 * RFC 8785 canonical JSON (keys sorted at every level, fixed number and string forms): the same data
 * always gives the same text, so checksums over it are stable.
 */
export function canonicalJson(value: unknown): string {
  assertJsonValue(value, '$');
  return canonicalize(value) as string;
}

export function entryChecksum(entry: ArchiveEntry | EntryHead): string {
  return sha256Hex(canonicalJson(entry));
}

function archiveChecksumOf(
  counts: Readonly<Record<string, unknown>>,
  checksums: Readonly<Record<string, unknown>>,
): string {
  return sha256Hex(
    canonicalJson({ format: ARCHIVE_FORMAT, formatVersion: ARCHIVE_FORMAT_VERSION, counts, checksums }),
  );
}

// The partition key prefixes, from the key builders so they cannot drift from what the handlers write.
const PROMPT_PK_PREFIX = KEYS.promptPk('');
const PROMPT_SK_PREFIX = KEYS.promptSk('');
const ENVIRONMENT_PK_PREFIX = KEYS.environmentPk('');
const AUDIT_PK_PREFIX = KEYS.auditPk('');

const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** What a stored item is, and its archive key; undefined for items the archive does not carry. */
export function classify(item: Item, table: TableName): { kind: ItemKind; key: string } | undefined {
  const pk = str(item.pk);
  const sk = str(item.sk);
  if (pk === undefined || sk === undefined) return undefined;
  if (table === 'feedback') {
    if (sk.startsWith(KEYS.feedbackItemSkPrefix)) {
      const [environment, promptId, version, at, feedbackId] = [
        item.environment,
        item.promptId,
        item.version,
        item.at,
        item.feedbackId,
      ].map(str);
      if (!environment || !promptId || !version || !at || !feedbackId) return undefined;
      if (
        pk !== KEYS.feedbackPk(environment, promptId, version) ||
        sk !== KEYS.feedbackItemSk(at, feedbackId)
      )
        return undefined;
      return { kind: 'feedback', key: `feedback-item:${environment}/${promptId}@${version}/${feedbackId}` };
    }
    if (!sk.startsWith(KEYS.feedbackAggregateSkPrefix)) return undefined;
    const [environment, promptId, version, day] = [
      item.environment,
      item.promptId,
      item.version,
      item.day,
    ].map(str);
    if (!environment || !promptId || !version || !day) return undefined;
    // A day's aggregate shards (core/feedback-shards.ts): shard 0 is the unsharded item.
    const shard = typeof item.shard === 'number' ? item.shard : 0;
    if (pk !== KEYS.feedbackPk(environment, promptId, version) || sk !== feedbackAggregateShardSk(day, shard))
      return undefined;
    const suffix = shard === 0 ? '' : `#${shard}`;
    return {
      kind: 'feedback-aggregate',
      key: `feedback:${environment}/${promptId}@${version}/${day}${suffix}`,
    };
  }
  if (pk === KEYS.promptIndexPk && sk.startsWith(PROMPT_SK_PREFIX)) {
    const id = str(item.id);
    return id && sk === KEYS.promptSk(id) ? { kind: 'prompt', key: `prompt:${id}` } : undefined;
  }
  if (pk.startsWith(PROMPT_PK_PREFIX) && sk.startsWith(KEYS.versionSkPrefix)) {
    const [id, version] = [str(item.id), str(item.version)];
    return id && version && pk === KEYS.promptPk(id)
      ? { kind: 'version', key: `version:${id}@${version}` }
      : undefined;
  }
  if (pk.startsWith(ENVIRONMENT_PK_PREFIX)) {
    const environment = pk.slice(ENVIRONMENT_PK_PREFIX.length);
    if (sk === KEYS.environmentStateSk) return { kind: 'environment', key: `environment:${environment}` };
    if (
      sk.startsWith(KEYS.environmentRevisionSkPrefix) &&
      typeof item.revision === 'number' &&
      sk === KEYS.environmentRevisionSk(item.revision)
    )
      return { kind: 'revision', key: `revision:${environment}/${item.revision}` };
    return undefined;
  }
  if (pk.startsWith(AUDIT_PK_PREFIX) && sk === KEYS.auditSk) {
    const eventId = str(item.eventId);
    return eventId && pk === KEYS.auditPk(eventId) ? { kind: 'audit', key: `audit:${eventId}` } : undefined;
  }
  return undefined;
}

/** The item as the archive carries it: an environment's pins and history, without the source's AppConfig deployment. */
export function portableItem(kind: ItemKind, item: Item): Item {
  if (kind !== 'environment') return item;
  const copy = { ...item };
  for (const field of DEPLOYMENT_FIELDS) delete copy[field];
  return copy;
}

export function emptyCounts(): Counts {
  return Object.fromEntries(ENTRY_KINDS.map((k) => [k, 0])) as Counts;
}

export function buildArchive(
  entries: readonly ArchiveEntry[],
  source: Readonly<Record<string, string>>,
  exportedAt: string,
): Archive {
  const order = (e: ArchiveEntry) => ENTRY_KINDS.indexOf(e.kind);
  const sorted = [...entries].sort(
    (a, b) => order(a) - order(b) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
  const counts = emptyCounts();
  const checksums: Record<string, string> = {};
  for (const entry of sorted) {
    if (Object.hasOwn(checksums, entry.key)) throw new Error(`Two archive entries have the key ${entry.key}`);
    counts[entry.kind]++;
    checksums[entry.key] = entryChecksum(entry);
  }
  return {
    format: ARCHIVE_FORMAT,
    formatVersion: ARCHIVE_FORMAT_VERSION,
    exportedAt,
    source,
    counts,
    checksums,
    archiveChecksum: archiveChecksumOf(counts, checksums),
    entries: sorted,
  };
}

/** The archive as text: the header indented, then one entry per line (readable, diffable). */
export function serializeArchive(archive: Archive): string {
  const { entries, ...header } = archive;
  const head = JSON.stringify({ ...header, entries: [] }, null, 2);
  const body = entries.map((e) => `    ${JSON.stringify(e)}`).join(',\n');
  return `${head.replace(/"entries": \[\]\n}$/, entries.length ? `"entries": [\n${body}\n  ]\n}` : '"entries": []\n}')}\n`;
}

export class ArchiveError extends Error {
  readonly problems: readonly string[];
  constructor(message: string, problems: readonly string[] = []) {
    super(message);
    this.name = 'ArchiveError';
    this.problems = problems;
  }
}

/** A JSON object (not an array or null). */
const JsonObjectSchema = v.pipe(
  v.record(v.string(), v.unknown()),
  v.check((value) => !Array.isArray(value)),
);

/** The archive's shape, checked in the order the messages go from "not an archive" to "incomplete". */
const ArchiveFormatSchema = v.looseObject({ format: v.literal(ARCHIVE_FORMAT) });
const ArchiveVersionSchema = v.looseObject({ formatVersion: v.literal(ARCHIVE_FORMAT_VERSION) });
const ArchiveContentsSchema = v.looseObject({
  checksums: JsonObjectSchema,
  counts: JsonObjectSchema,
  entries: v.array(v.unknown()),
  archiveChecksum: v.string(),
});

const EntryHeadSchema = v.looseObject({ key: v.string(), kind: v.picklist(ENTRY_KINDS) });
/** What every entry has: its key and kind; the rest depends on the kind. */
type EntryHead = v.InferOutput<typeof EntryHeadSchema>;
const DocumentEntrySchema = v.looseObject({ sha256: v.string(), text: v.string() });
const ItemEntrySchema = v.looseObject({ table: v.picklist(['main', 'feedback']), item: JsonObjectSchema });

/** What verification vouches for: everything but `exportedAt` and `source`, which are for people. */
export type VerifiedArchive = Omit<Archive, 'exportedAt' | 'source'>;

/** Parses an archive and verifies every checksum and entry; throws `ArchiveError` listing each problem. */
export function parseArchive(text: string): VerifiedArchive {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ArchiveError(`The file is not JSON (${(error as Error).message}): not a PromptOps archive`);
  }
  if (!v.is(ArchiveFormatSchema, value))
    throw new ArchiveError(`The file is not a PromptOps archive (no "format": "${ARCHIVE_FORMAT}")`);
  if (!v.is(ArchiveVersionSchema, value))
    throw new ArchiveError(
      `Archive format version ${JSON.stringify(value.formatVersion)} is not supported (this CLI reads version ${ARCHIVE_FORMAT_VERSION})`,
    );
  if (!v.is(ArchiveContentsSchema, value))
    throw new ArchiveError('The archive lacks its checksums, counts or entries');

  const problems: string[] = [];
  const { checksums, counts } = value;
  if (archiveChecksumOf(counts, checksums) !== value.archiveChecksum)
    problems.push('the archive checksum does not match its checksum list and counts');

  const seen = new Set<string>();
  const tally = emptyCounts();
  const verifiedChecksums: Record<string, string> = {};
  const entries: ArchiveEntry[] = [];
  for (const [index, raw] of value.entries.entries()) {
    if (!v.is(EntryHeadSchema, raw)) {
      problems.push(`entry ${index} is not an archive entry`);
      continue;
    }
    if (seen.has(raw.key)) problems.push(`${raw.key}: appears twice`);
    seen.add(raw.key);
    tally[raw.kind]++;
    const expected = checksums[raw.key];
    if (typeof expected !== 'string') problems.push(`${raw.key}: has no checksum`);
    else {
      verifiedChecksums[raw.key] = expected;
      let actual: string | undefined;
      try {
        actual = entryChecksum(raw);
      } catch (error) {
        problems.push(`${raw.key}: ${(error as Error).message}`);
      }
      if (actual !== undefined && actual !== expected)
        problems.push(`${raw.key}: checksum mismatch (the entry was changed)`);
    }
    const entry = checkEntry(raw);
    if (typeof entry === 'string') problems.push(entry);
    else entries.push(entry);
  }
  for (const key of Object.keys(checksums))
    if (!seen.has(key)) problems.push(`${key}: listed in the checksums but missing`);
  for (const kind of ENTRY_KINDS)
    if (counts[kind] !== tally[kind])
      problems.push(`${kind}: the archive says ${String(counts[kind])}, it holds ${tally[kind]}`);
  if (problems.length > 0) throw new ArchiveError('The archive failed verification', problems);
  return {
    format: ARCHIVE_FORMAT,
    formatVersion: ARCHIVE_FORMAT_VERSION,
    counts: tally,
    checksums: verifiedChecksums,
    archiveChecksum: value.archiveChecksum,
    entries,
  };
}

/** The entry, if it is what its kind and key say; else the problem. */
function checkEntry(entry: EntryHead): ArchiveEntry | string {
  if (entry.kind === 'document') {
    if (!v.is(DocumentEntrySchema, entry)) return `${entry.key}: a document needs sha256 and text`;
    if (entry.key !== `document:${entry.sha256}`) return `${entry.key}: key and sha256 differ`;
    return sha256Hex(entry.text) === entry.sha256
      ? { key: entry.key, kind: 'document', sha256: entry.sha256, text: entry.text }
      : `${entry.key}: the text does not hash to its sha256`;
  }
  if (!v.is(ItemEntrySchema, entry)) return `${entry.key}: an item entry needs a table and an item`;
  const found = classify(entry.item, entry.table);
  if (!found || found.kind !== entry.kind || found.key !== entry.key)
    return `${entry.key}: the item's keys say ${found ? `${found.kind} ${found.key}` : 'nothing the archive carries'}`;
  if (found.kind === 'environment' && DEPLOYMENT_FIELDS.some((f) => f in entry.item))
    return `${entry.key}: an environment carries no AppConfig deployment`;
  return { key: entry.key, kind: found.kind, table: entry.table, item: entry.item };
}
