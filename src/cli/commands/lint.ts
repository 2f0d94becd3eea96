/**
 * `promptops lint [files...] [--duplicates [--threshold n]]`: offline lint of prompt files; exit 1 when
 * any has an error. With --duplicates it also names the near-identical prompts (docs/maintenance.md)
 * and exits 1 when there are some, so a library check in CI keeps duplicates out.
 */
import { InvalidArgumentError, Option } from 'commander';
import { type LintFinding, lintDocument } from '../../core/lint/index.ts';
import {
  DEFAULT_DUPLICATE_THRESHOLD,
  findNearDuplicates,
  MIN_INDEXED_THRESHOLD,
  type NearDuplicatePair,
} from '../../core/near-duplicates.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { EXIT } from '../errors.ts';
import { findPromptFiles, PROMPT_FILES_ARGUMENT, type PromptFile } from '../prompt-files.ts';

export interface FileLint {
  readonly file: string;
  readonly id?: string;
  readonly errors: number;
  readonly warnings: number;
  readonly findings: readonly LintFinding[];
}

export function lintFiles(files: readonly PromptFile[]): FileLint[] {
  return files.map((file) => {
    const result = lintDocument(file.text);
    return {
      file: file.display,
      ...(result.document ? { id: result.document.id } : {}),
      errors: result.errorCount,
      warnings: result.warningCount,
      findings: result.findings,
    };
  });
}

/** Findings as a table: file:line, severity, rule, message. Used by lint and publish. */
export function printFindings(ctx: CommandContext, results: readonly FileLint[]): void {
  const c = ctx.out.colors;
  const rows = results.flatMap((r) => r.findings.map((finding) => ({ file: r.file, finding })));
  ctx.out.table(rows, [
    { header: 'LOCATION', value: (r) => `${r.file}:${r.finding.line ?? 1}` },
    {
      header: 'SEVERITY',
      value: (r) => (r.finding.severity === 'error' ? c.red('error') : c.yellow('warning')),
    },
    { header: 'RULE', value: (r) => r.finding.rule },
    { header: 'MESSAGE', value: (r) => r.finding.message },
  ]);
}

export interface LintOptions {
  readonly duplicates?: boolean;
  readonly threshold?: number;
}

/** The near-duplicate pairs among the files that parse (a file that does not is reported by lint). */
export function duplicatesAmong(files: readonly PromptFile[], threshold: number): NearDuplicatePair[] {
  const prompts = files.flatMap((file) => {
    const result = lintDocument(file.text);
    return result.document ? [{ id: result.document.id, document: result.document }] : [];
  });
  return findNearDuplicates(prompts, threshold);
}

function parseThreshold(value: string): number {
  const n = Number(value);
  if (!(n >= MIN_INDEXED_THRESHOLD && n <= 1))
    throw new InvalidArgumentError(`must be a number from ${MIN_INDEXED_THRESHOLD} to 1, such as 0.8`);
  return n;
}

export async function lint(
  ctx: CommandContext,
  args: readonly string[] = [],
  options: LintOptions = {},
): Promise<number> {
  const files = await findPromptFiles(args, await ctx.config(), ctx.io.cwd);
  const results = lintFiles(files);
  const errors = results.reduce((n, r) => n + r.errors, 0);
  const warnings = results.reduce((n, r) => n + r.warnings, 0);
  const threshold = options.threshold ?? DEFAULT_DUPLICATE_THRESHOLD;
  const duplicates = options.duplicates ? duplicatesAmong(files, threshold) : undefined;
  const json = { ok: errors === 0 && !duplicates?.length, errors, warnings, files: results };
  ctx.out.result(duplicates ? { ...json, duplicates, threshold } : json, () => {
    const c = ctx.out.colors;
    if (errors + warnings > 0) {
      printFindings(ctx, results);
      ctx.out.line();
    }
    const summary = `${files.length} file${files.length === 1 ? '' : 's'}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
    ctx.out.line(errors > 0 ? c.red(summary) : c.green(summary));
    if (duplicates) printDuplicates(ctx, duplicates, threshold);
  });
  return errors > 0 || (duplicates?.length ?? 0) > 0 ? EXIT.failure : EXIT.ok;
}

function printDuplicates(
  ctx: CommandContext,
  duplicates: readonly NearDuplicatePair[],
  threshold: number,
): void {
  const c = ctx.out.colors;
  ctx.out.line();
  if (duplicates.length === 0) {
    ctx.out.line(c.green(`No near-duplicate prompts (similarity ${threshold} or more).`));
    return;
  }
  ctx.out.table(duplicates, [
    { header: 'PROMPTS', value: (d) => `${d.a.id} ~ ${d.b.id}` },
    { header: 'SIMILARITY', value: (d) => d.similarity.toFixed(2), align: 'right' },
    {
      header: 'SECTIONS',
      value: (d) => d.sections.map((s) => `${s.section} ${s.similarity.toFixed(2)}`).join(', '),
    },
  ]);
  ctx.out.line(
    c.yellow(
      `${duplicates.length} near-duplicate pair${duplicates.length === 1 ? '' : 's'} (similarity ${threshold} or more): merge them, then promptops archive the one you drop.`,
    ),
  );
}

export const lintCommand = defineCommand({
  name: 'lint',
  description: 'check prompt files offline; findings as file:line, rule and message; exit 1 on errors',
  arguments: [PROMPT_FILES_ARGUMENT],
  options: [
    new Option(
      '--duplicates',
      'also name near-identical prompts (word shingles, MinHash); exit 1 when found',
    ),
    new Option(
      '--threshold <n>',
      `similarity that counts as a duplicate, ${MIN_INDEXED_THRESHOLD} to 1 (default ${DEFAULT_DUPLICATE_THRESHOLD})`,
    ).argParser(parseThreshold),
  ],
  examples: [
    'promptops lint',
    'promptops lint prompts/support-reply.prompt.md',
    'promptops lint --json prompts/ > lint.json',
    'promptops lint --duplicates prompts/',
  ],
  action: (ctx, [files], options: LintOptions) => lint(ctx, files, options),
});
