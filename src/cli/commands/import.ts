/**
 * `promptops import <file>`: verifies the whole archive (every checksum, every entry's keys) before
 * touching the target, then compares each entry with what the target holds: new entries are written
 * (conditional puts, documents first), identical ones are counted as unchanged, and any that differ
 * refuse the import with nothing written. Importing the same archive twice changes nothing.
 */

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Option } from 'commander';
import {
  type ArchiveEntry,
  ArchiveError,
  canonicalJson,
  ENTRY_KINDS,
  type EntryKind,
  type Item,
  type ItemEntry,
  parseArchive,
  portableItem,
} from '../archive.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { CliError, EXIT } from '../errors.ts';
import { STORAGE_DATA_DIR_OPTION } from '../options.ts';
import { type StackStorage, withStorage } from '../storage.ts';
import { countsTable } from './export.ts';

type Decision = 'new' | 'unchanged' | { conflict: string };

const SHOWN_PROBLEMS = 20;

function listed(problems: readonly string[]): string[] {
  return problems.length > SHOWN_PROBLEMS
    ? [...problems.slice(0, SHOWN_PROBLEMS), `... and ${problems.length - SHOWN_PROBLEMS} more`]
    : [...problems];
}

async function pool<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

const keyOf = (item: Item) => ({ pk: item.pk, sk: item.sk });
const keyText = (item: Item) => `${String(item.pk)}|${String(item.sk)}`;

function compare(entry: ItemEntry, existing: Item | undefined): Decision {
  if (!existing) return 'new';
  return canonicalJson(portableItem(entry.kind, existing)) === canonicalJson(entry.item)
    ? 'unchanged'
    : { conflict: 'the target holds a different item' };
}

async function readExisting(
  storage: StackStorage,
  table: string,
  entries: readonly ItemEntry[],
): Promise<Map<string, Item>> {
  const { BatchGetCommand } = await import('@aws-sdk/lib-dynamodb');
  const found = new Map<string, Item>();
  for (let i = 0; i < entries.length; i += 100) {
    let keys: Record<string, unknown>[] = entries.slice(i, i + 100).map((e) => keyOf(e.item));
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt >= 8)
        throw new CliError(`DynamoDB kept ${keys.length} keys of ${table} unprocessed: try the import again`);
      if (attempt > 0) await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      const result = await storage.documents.send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } }),
      );
      for (const item of (result.Responses?.[table] ?? []) as Item[]) found.set(keyText(item), item);
      keys = (result.UnprocessedKeys?.[table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
    }
  }
  return found;
}

async function plan(storage: StackStorage, entries: readonly ArchiveEntry[]): Promise<Map<string, Decision>> {
  const decisions = new Map<string, Decision>();
  const items = entries.filter((e): e is ItemEntry => e.kind !== 'document');
  for (const [table, name] of [
    ['main', storage.table],
    ['feedback', storage.feedbackTable],
  ] as const) {
    const ofTable = items.filter((e) => e.table === table);
    const existing = await readExisting(storage, name, ofTable);
    for (const entry of ofTable) decisions.set(entry.key, compare(entry, existing.get(keyText(entry.item))));
  }
  await pool(
    entries.filter((e) => e.kind === 'document'),
    8,
    async (entry) => {
      if (entry.kind !== 'document') return;
      try {
        decisions.set(
          entry.key,
          (await storage.bodies.get(entry.sha256)) === undefined ? 'new' : 'unchanged',
        );
      } catch (error) {
        decisions.set(entry.key, { conflict: (error as Error).message });
      }
    },
  );
  return decisions;
}

async function write(storage: StackStorage, entry: ArchiveEntry): Promise<Decision> {
  if (entry.kind === 'document') {
    await storage.bodies.put(entry.sha256, entry.text);
    return 'new';
  }
  const { PutCommand, GetCommand } = await import('@aws-sdk/lib-dynamodb');
  const table = entry.table === 'main' ? storage.table : storage.feedbackTable;
  try {
    await storage.documents.send(
      new PutCommand({
        TableName: table,
        Item: entry.item,
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': 'pk' },
      }),
    );
    return 'new';
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    // Written meanwhile by someone else: the same item is fine, another one is a conflict.
    const { Item } = await storage.documents.send(
      new GetCommand({ TableName: table, Key: keyOf(entry.item), ConsistentRead: true }),
    );
    return compare(entry, Item as Item | undefined);
  }
}

export interface ImportOptions {
  /** Local mode: the data folder holding endpoints.json. */
  readonly dataDir?: string;
  /** Verify and report what would be written, write nothing. */
  readonly dryRun?: boolean;
}

export async function importArchive(
  ctx: CommandContext,
  file: string,
  options: ImportOptions,
): Promise<number> {
  const path = resolve(ctx.io.cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(
      `Cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
  let archive: ReturnType<typeof parseArchive>;
  try {
    archive = parseArchive(text);
  } catch (error) {
    if (!(error instanceof ArchiveError)) throw error;
    throw new CliError(`${file}: ${error.message}; nothing was written`, {
      code: 'ARCHIVE_INVALID',
      details: listed(error.problems),
      data: { problems: error.problems },
    });
  }

  return withStorage(ctx, options.dataDir, async (storage) => {
    const decisions = await plan(storage, archive.entries);
    const conflicts = archive.entries.flatMap((e) => {
      const d = decisions.get(e.key);
      return typeof d === 'object' ? [`${e.key}: ${d.conflict}`] : [];
    });
    if (conflicts.length > 0) {
      throw new CliError(
        `Import refused: ${conflicts.length} entr${conflicts.length === 1 ? 'y differs' : 'ies differ'} from what ${storage.description} holds; nothing was written`,
        {
          code: 'IMPORT_CONFLICT',
          details: [
            ...listed(conflicts),
            'Import into an empty stack, or one this archive was exported from.',
          ],
          data: { conflicts },
        },
      );
    }

    const counts = Object.fromEntries(
      ENTRY_KINDS.map((k) => [k, { inArchive: 0, written: 0, unchanged: 0 }]),
    ) as Record<EntryKind, { inArchive: number; written: number; unchanged: number }>;
    for (const entry of archive.entries) {
      counts[entry.kind].inArchive++;
      if (decisions.get(entry.key) === 'unchanged') counts[entry.kind].unchanged++;
    }
    const pending = archive.entries.filter((e) => decisions.get(e.key) === 'new');
    const lateConflicts: string[] = [];
    if (!options.dryRun) {
      // Documents first, then versions before the summaries and pins that refer to them.
      for (const kind of ENTRY_KINDS) {
        await pool(
          pending.filter((e) => e.kind === kind),
          8,
          async (entry) => {
            const outcome = await write(storage, entry);
            if (outcome === 'new') counts[kind].written++;
            else if (outcome === 'unchanged') counts[kind].unchanged++;
            else lateConflicts.push(`${entry.key}: ${outcome.conflict}`);
          },
        );
      }
    }
    const written = ENTRY_KINDS.reduce((n, k) => n + counts[k].written, 0);
    const unchanged = ENTRY_KINDS.reduce((n, k) => n + counts[k].unchanged, 0);
    if (lateConflicts.length > 0) {
      throw new CliError(
        `Import incomplete: ${lateConflicts.length} entries were changed by someone else during the import`,
        {
          code: 'IMPORT_CONFLICT',
          details: [
            ...listed(lateConflicts),
            `${written} entries were written; run the import again to finish.`,
          ],
          data: { written, unchanged, counts },
        },
      );
    }

    const total = archive.entries.length;
    const wouldWrite = options.dryRun ? pending.length : 0;
    ctx.out.result(
      {
        file: path,
        dryRun: options.dryRun === true,
        entries: total,
        written,
        unchanged,
        ...(options.dryRun ? { wouldWrite } : {}),
        counts,
      },
      () => {
        countsTable(
          ctx,
          ENTRY_KINDS.map((kind) => ({
            kind,
            archive: counts[kind].inArchive,
            [options.dryRun ? 'new' : 'written']: options.dryRun
              ? pending.filter((e) => e.kind === kind).length
              : counts[kind].written,
            unchanged: counts[kind].unchanged,
          })),
          ['archive', options.dryRun ? 'new' : 'written', 'unchanged'],
        );
        ctx.out.line();
        ctx.out.line(
          options.dryRun
            ? `Verified ${total} entries; ${wouldWrite} would be written to ${storage.description}, ${unchanged} are already there. Nothing was written (--dry-run).`
            : written === 0
              ? `Verified ${total} entries: ${storage.description} already holds all of them; nothing was written.`
              : `Verified ${total} entries; wrote ${written} to ${storage.description}, ${unchanged} were already there.`,
        );
        const environments = counts.environment.written;
        if (!options.dryRun && environments > 0)
          ctx.out.line(
            "Environment pins were restored, not AppConfig's deployments: deploy each environment's pins to serve them (promptops status shows them).",
          );
      },
    );
    return EXIT.ok;
  });
}

export const importCommand = defineCommand({
  name: 'import',
  description:
    'verify every checksum of an archive, then write what is missing (idempotent); refuses conflicting data',
  arguments: [{ name: '<file>', description: 'archive written by promptops export' }],
  options: [
    STORAGE_DATA_DIR_OPTION,
    new Option('--dry-run', 'verify and report what would be written, write nothing'),
  ],
  examples: ['promptops import backup.promptops.json --dry-run', 'promptops import backup.promptops.json'],
  action: (ctx, [file], options: ImportOptions) => importArchive(ctx, file, options),
});
