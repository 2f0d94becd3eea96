/** `promptops lint [files...]`: offline lint of prompt files; exit 1 when any has an error. */
import { type LintFinding, lintDocument } from '../../core/lint/index.ts';
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

export async function lint(ctx: CommandContext, args: readonly string[] = []): Promise<number> {
  const files = await findPromptFiles(args, await ctx.config(), ctx.io.cwd);
  const results = lintFiles(files);
  const errors = results.reduce((n, r) => n + r.errors, 0);
  const warnings = results.reduce((n, r) => n + r.warnings, 0);
  ctx.out.result({ ok: errors === 0, errors, warnings, files: results }, () => {
    const c = ctx.out.colors;
    if (errors + warnings > 0) {
      printFindings(ctx, results);
      ctx.out.line();
    }
    const summary = `${files.length} file${files.length === 1 ? '' : 's'}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
    ctx.out.line(errors > 0 ? c.red(summary) : c.green(summary));
  });
  return errors > 0 ? EXIT.failure : EXIT.ok;
}

export const lintCommand = defineCommand({
  name: 'lint',
  description: 'check prompt files offline; findings as file:line, rule and message; exit 1 on errors',
  arguments: [PROMPT_FILES_ARGUMENT],
  examples: [
    'promptops lint',
    'promptops lint prompts/support-reply.prompt.md',
    'promptops lint --json prompts/ > lint.json',
  ],
  action: (ctx, [files]) => lint(ctx, files),
});
