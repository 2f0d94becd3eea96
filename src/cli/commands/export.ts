/**
 * `promptops export --out <file>`: every prompt, version, document, approval, environment pin
 * history, audit record, feedback item and feedback aggregate of a stack, as one archive with a
 * checksum per entry.
 */

import { resolve } from 'node:path';
import { Option } from 'commander';
import {
  type ArchiveEntry,
  buildArchive,
  type Counts,
  classify,
  ENTRY_KINDS,
  type Item,
  type ItemEntry,
  portableItem,
  serializeArchive,
  type TableName,
} from '../archive.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { CliError, EXIT } from '../errors.ts';
import { writeFileAtomic } from '../files.ts';
import { STORAGE_DATA_DIR_OPTION } from '../options.ts';
import { type StackStorage, withStorage } from '../storage.ts';

async function scanAll(
  storage: StackStorage,
  table: string,
  filter?: { expression: string; names: Record<string, string>; values: Record<string, unknown> },
): Promise<Item[]> {
  const { ScanCommand } = await import('@aws-sdk/lib-dynamodb');
  const items: Item[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await storage.documents.send(
      new ScanCommand({
        TableName: table,
        ConsistentRead: true,
        ...(filter
          ? {
              FilterExpression: filter.expression,
              ExpressionAttributeNames: filter.names,
              ExpressionAttributeValues: filter.values,
            }
          : {}),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    items.push(...((page.Items ?? []) as Item[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

export function countsTable(
  ctx: CommandContext,
  rows: readonly { kind: string; [column: string]: string | number }[],
  columns: readonly string[],
): void {
  ctx.out.table(rows, [
    { header: 'KIND', value: (r) => r.kind },
    ...columns.map((column) => ({
      header: column.toUpperCase(),
      value: (r: (typeof rows)[number]) => String(r[column] ?? 0),
      align: 'right' as const,
    })),
  ]);
}

export interface ExportOptions {
  /** The archive file to write. */
  readonly out: string;
  /** Local mode: the data folder holding endpoints.json. */
  readonly dataDir?: string;
}

export async function exportArchive(ctx: CommandContext, options: ExportOptions): Promise<number> {
  return withStorage(ctx, options.dataDir, async (storage) => {
    const entries: ArchiveEntry[] = [];
    let skipped = 0;
    const take = (items: readonly Item[], table: TableName) => {
      for (const item of items) {
        const found = classify(item, table);
        if (!found) {
          skipped++;
          continue;
        }
        entries.push({ key: found.key, kind: found.kind, table, item: portableItem(found.kind, item) });
      }
    };
    take(await scanAll(storage, storage.table), 'main');
    // Aggregates and the individual feedback items (ratings, comments, tags, hashed user and session
    // ids; their expiry attribute travels with them, so retention carries over).
    take(await scanAll(storage, storage.feedbackTable), 'feedback');
    const versions = entries.filter((e): e is ItemEntry => e.kind === 'version');
    const hashes = [...new Set(versions.map((v) => v.item.sha256 as string))].sort();
    for (const sha256 of hashes) {
      const text = await storage.bodies.get(sha256);
      if (text === undefined) {
        const owners = versions
          .filter((v) => v.item.sha256 === sha256)
          .map((v) => v.key.slice('version:'.length));
        throw new CliError(
          `The document ${sha256} of ${owners.join(', ')} is missing from bucket ${storage.bucket}: nothing exported`,
          {
            details: [
              "Restore it from the bucket's versions or the replica (README, Restore steps), then export again.",
            ],
          },
        );
      }
      entries.push({ key: `document:${sha256}`, kind: 'document', sha256, text });
    }
    if (skipped > 0)
      ctx.debug(
        `${skipped} stored item(s) of kinds the archive does not carry were left out (feedback items, claims)`,
      );

    let archive: ReturnType<typeof buildArchive>;
    try {
      archive = buildArchive(entries, storage.source, new Date().toISOString());
    } catch (error) {
      throw new CliError(`Cannot archive the stack: ${(error as Error).message}`, { cause: error });
    }
    const path = resolve(ctx.io.cwd, options.out);
    const text = serializeArchive(archive);
    await writeFileAtomic(path, text);

    const total = archive.entries.length;
    ctx.out.result(
      {
        file: path,
        bytes: Buffer.byteLength(text),
        entries: total,
        counts: archive.counts,
        archiveChecksum: archive.archiveChecksum,
      },
      () => {
        countsTable(
          ctx,
          ENTRY_KINDS.map((kind) => ({ kind, entries: (archive.counts as Counts)[kind] })),
          ['entries'],
        );
        ctx.out.line();
        ctx.out.line(
          `Exported ${total} entries from ${storage.description} to ${options.out} (checksum ${archive.archiveChecksum.slice(0, 16)}…).`,
        );
      },
    );
    return EXIT.ok;
  });
}

export const exportCommand = defineCommand({
  name: 'export',
  description:
    'every prompt, version, document, approval, pin history, audit record and feedback aggregate, as one archive with checksums',
  options: [
    new Option('--out <file>', 'archive file to write').makeOptionMandatory(),
    STORAGE_DATA_DIR_OPTION,
  ],
  examples: ['promptops export --out backup.promptops.json'],
  action: (ctx, _args, options: ExportOptions) => exportArchive(ctx, options),
});
