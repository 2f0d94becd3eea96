/**
 * `promptops publish [files...]`: lints every file first (nothing is published if one has an error),
 * then publishes each document whose canonical hash differs from its prompt's latest version.
 * Unchanged documents are skipped and reported, so re-running publishes nothing.
 */

import { Option } from 'commander';
import type { PublishedVersion, VersionSummary } from '../../core/api.ts';
import { documentHash } from '../../core/hash.ts';
import type { BumpResult } from '../../core/versioning.ts';
import { type ApiClient, segment } from '../api-client.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { ApiError, CliError, EXIT, UsageError } from '../errors.ts';
import { findPromptFiles, PROMPT_FILES_ARGUMENT } from '../prompt-files.ts';
import { lintFiles, printFindings } from './lint.ts';

export interface PublishOutcome {
  readonly file: string;
  readonly id: string;
  readonly version: string;
  readonly result: 'published' | 'unchanged';
  readonly sha256: string;
  readonly bump?: BumpResult;
  readonly createdBy?: string;
  readonly createdAt?: string;
}

/** The latest version of a prompt, or undefined for a prompt never published. */
export async function latestVersion(api: ApiClient, id: string): Promise<VersionSummary | undefined> {
  try {
    const page = await api.get<{ items: VersionSummary[] }>(`/prompts/${segment(id)}/versions`, {
      limit: '1',
    });
    return page.items[0];
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

export interface PublishOptions {
  /** `auto`, `major`, `minor` or `patch`. */
  readonly bump: string;
  /** Recorded with each version published. */
  readonly message?: string;
}

export async function publish(
  ctx: CommandContext,
  args: readonly string[] = [],
  options: PublishOptions,
): Promise<number> {
  const files = await findPromptFiles(args, await ctx.config(), ctx.io.cwd);
  const linted = lintFiles(files);
  const failing = linted.filter((r) => r.errors > 0);
  if (failing.length > 0) {
    printFindings(ctx, linted);
    throw new CliError(`Lint failed in ${failing.map((f) => f.file).join(', ')}: nothing was published`, {
      code: 'LINT_FAILED',
      details: ['Fix the errors above (promptops lint shows them), then publish again.'],
      data: { files: linted },
    });
  }
  const byId = new Map<string, string>();
  for (const result of linted) {
    const previous = byId.get(result.id as string);
    if (previous)
      throw new UsageError(
        `${previous} and ${result.file} both define prompt ${result.id}: publish one of them`,
      );
    byId.set(result.id as string, result.file);
  }

  const api = await ctx.api();
  const outcomes: PublishOutcome[] = [];
  try {
    for (const [index, file] of files.entries()) {
      const id = linted[index]?.id as string;
      const sha256 = documentHash(file.text);
      const latest = await latestVersion(api, id);
      if (latest?.sha256 === sha256) {
        outcomes.push({ file: file.display, id, version: latest.version, result: 'unchanged', sha256 });
        continue;
      }
      const { status, body } = await api.post<PublishedVersion>(`/prompts/${segment(id)}/versions`, {
        document: file.text,
        bump: options.bump,
        ...(options.message !== undefined ? { message: options.message } : {}),
      });
      outcomes.push({
        file: file.display,
        id,
        version: body.version,
        result: status === 201 ? 'published' : 'unchanged',
        sha256: body.sha256,
        ...(status === 201 ? { bump: body.bump, createdBy: body.createdBy, createdAt: body.createdAt } : {}),
      });
    }
  } catch (error) {
    if (error instanceof CliError) {
      if (outcomes.length > 0) printOutcomes(ctx, outcomes);
      error.data = { ...error.data, results: outcomes };
    }
    throw error;
  }

  const published = outcomes.filter((o) => o.result === 'published').length;
  ctx.out.result({ published, unchanged: outcomes.length - published, results: outcomes }, () => {
    printOutcomes(ctx, outcomes);
    ctx.out.line();
    ctx.out.line(
      published === 0
        ? 'Nothing to publish: every document is unchanged since its latest version.'
        : `Published ${published} version${published === 1 ? '' : 's'}; ${outcomes.length - published} unchanged.`,
    );
  });
  return EXIT.ok;
}

function printOutcomes(ctx: CommandContext, outcomes: readonly PublishOutcome[]): void {
  const c = ctx.out.colors;
  ctx.out.table(outcomes, [
    { header: 'FILE', value: (o) => o.file },
    { header: 'ID', value: (o) => o.id },
    { header: 'VERSION', value: (o) => o.version },
    {
      header: 'RESULT',
      value: (o) => (o.result === 'published' ? c.green('published') : c.dim('unchanged')),
    },
    { header: 'BUMP', value: (o) => o.bump?.level ?? '' },
    { header: 'REASONS', value: (o) => o.bump?.reasons.join('; ') ?? '' },
  ]);
}

export const publishCommand = defineCommand({
  name: 'publish',
  description: 'publish every changed prompt (lints first; unchanged documents are skipped and reported)',
  arguments: [PROMPT_FILES_ARGUMENT],
  options: [
    new Option('--bump <level>', 'version bump; auto follows what the change implies')
      .choices(['auto', 'major', 'minor', 'patch'])
      .default('auto'),
    new Option('-m, --message <text>', 'message recorded with each version published'),
  ],
  examples: [
    'promptops publish',
    'promptops publish prompts/support-reply.prompt.md --bump minor -m "Shorter replies"',
  ],
  action: (ctx, [files], options: PublishOptions) => publish(ctx, files, options),
});
