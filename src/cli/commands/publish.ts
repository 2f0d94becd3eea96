/**
 * `promptops publish [files...]`: lints every file and the suite beside it first (nothing is published
 * if one has an error), then publishes each document whose canonical hash differs from its prompt's
 * latest version, and uploads its `<id>.eval.yaml` when that differs from the prompt's current suite.
 * Unchanged documents and suites are skipped and reported, so re-running publishes nothing.
 */
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';

import { Option } from 'commander';
import type {
  EvalSuitePut,
  EvalSuiteResponse,
  PublishedVersion,
  PutEvalSuiteRequest,
  VersionSummary,
} from '../../core/api.ts';
import { parsePromptDocument } from '../../core/document.ts';
import { lintEvalSuite } from '../../core/eval/suite-variables.ts';
import { documentHash, sha256Hex } from '../../core/hash.ts';
import type { BumpResult } from '../../core/versioning.ts';
import { type ApiClient, segment } from '../api-client.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { ApiError, CliError, EXIT, UsageError } from '../errors.ts';
import { suitePathFor } from '../evaluation.ts';
import { findPromptFiles, PROMPT_FILES_ARGUMENT } from '../prompt-files.ts';
import { type FileLint, lintFiles, printFindings } from './lint.ts';

/** What publish did with the suite beside a prompt. */
export interface SuiteOutcome {
  readonly file: string;
  readonly result: 'uploaded' | 'unchanged';
  readonly revision: number;
  readonly sha256: string;
}

export interface PublishOutcome {
  readonly file: string;
  readonly id: string;
  readonly version: string;
  readonly result: 'published' | 'unchanged';
  readonly sha256: string;
  readonly bump?: BumpResult;
  readonly createdBy?: string;
  readonly createdAt?: string;
  /** Present when the prompt has a suite beside it. */
  readonly suite?: SuiteOutcome;
}

/** A suite file beside a prompt being published. */
interface LocalSuite {
  readonly file: string;
  readonly text: string;
}

async function readSuite(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The prompt's current suite on the service; undefined for none (or a server without suites). */
async function currentSuite(api: ApiClient, id: string): Promise<EvalSuiteResponse | undefined> {
  try {
    return await api.get<EvalSuiteResponse>(`/prompts/${segment(id)}/eval-suite`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

/**
 * Uploads the suite when its text differs from the current one. Undefined when the service has no
 * suite route (it predates evaluations): the prompt was published, so its 404 can mean nothing else.
 */
async function uploadSuite(
  ctx: CommandContext,
  api: ApiClient,
  id: string,
  suite: LocalSuite,
): Promise<SuiteOutcome | undefined> {
  const sha256 = sha256Hex(suite.text);
  const current = await currentSuite(api, id);
  if (current?.sha256 === sha256)
    return { file: suite.file, result: 'unchanged', revision: current.revision, sha256 };
  try {
    const { status, body } = await api.put<EvalSuitePut>(`/prompts/${segment(id)}/eval-suite`, {
      suite: suite.text,
    } satisfies PutEvalSuiteRequest);
    return {
      file: suite.file,
      result: status === 201 ? 'uploaded' : 'unchanged',
      revision: body.revision,
      sha256: body.sha256,
    };
  } catch (error) {
    if (!(error instanceof ApiError) || error.status >= 500) throw error;
    if (error.status === 404) {
      ctx.out.warn(
        `${suite.file} was not uploaded: the service at ${api.endpoint} keeps no evaluation suites`,
      );
      return undefined;
    }
    const p = error.problem;
    const lines = (p.errors ?? []).map((e) => {
      const line = (e as { line?: unknown }).line;
      return `${suite.file}${typeof line === 'number' ? `:${line}` : ''}  ${e.path}: ${e.message}`;
    });
    throw new CliError(
      `The service refused the suite ${suite.file}: ${p.detail ?? p.title ?? `HTTP ${p.status}`}`,
      {
        code: p.code ?? 'HTTP_ERROR',
        cause: error,
        details: lines,
        data: { problem: p },
      },
    );
  }
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
  // The suites are checked before anything is published too, against the prompt beside them.
  const suites = new Map<number, LocalSuite>();
  const suiteLint: FileLint[] = [];
  for (const [index, file] of files.entries()) {
    const id = linted[index]?.id as string;
    const path = suitePathFor(file.path, id);
    const text = await readSuite(path);
    if (text === undefined) continue;
    const shown = relative(ctx.io.cwd, path) || path;
    suites.set(index, { file: shown, text });
    const result = lintEvalSuite(text, parsePromptDocument(file.text));
    if (!result.ok)
      suiteLint.push({
        file: shown,
        id,
        errors: result.findings.length,
        warnings: 0,
        findings: result.findings,
      });
  }
  if (suiteLint.length > 0) {
    printFindings(ctx, suiteLint);
    throw new CliError(`Suite errors in ${suiteLint.map((f) => f.file).join(', ')}: nothing was published`, {
      code: 'LINT_FAILED',
      details: ['Fix the errors above (promptops test shows them), then publish again.'],
      data: { files: suiteLint },
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
      let outcome: PublishOutcome;
      if (latest?.sha256 === sha256) {
        outcome = { file: file.display, id, version: latest.version, result: 'unchanged', sha256 };
      } else {
        const { status, body } = await api.post<PublishedVersion>(`/prompts/${segment(id)}/versions`, {
          document: file.text,
          bump: options.bump,
          ...(options.message !== undefined ? { message: options.message } : {}),
        });
        outcome = {
          file: file.display,
          id,
          version: body.version,
          result: status === 201 ? 'published' : 'unchanged',
          sha256: body.sha256,
          ...(status === 201
            ? { bump: body.bump, createdBy: body.createdBy, createdAt: body.createdAt }
            : {}),
        };
      }
      // Only after its prompt is published: a failed publish throws above and uploads nothing.
      outcomes.push(outcome);
      const suite = suites.get(index);
      const uploaded = suite ? await uploadSuite(ctx, api, id, suite) : undefined;
      if (uploaded) outcomes[outcomes.length - 1] = { ...outcome, suite: uploaded };
    }
  } catch (error) {
    if (error instanceof CliError) {
      if (outcomes.length > 0) printOutcomes(ctx, outcomes);
      error.data = { ...error.data, results: outcomes };
    }
    throw error;
  }

  const published = outcomes.filter((o) => o.result === 'published').length;
  const suitesUploaded = outcomes.filter((o) => o.suite?.result === 'uploaded').length;
  ctx.out.result(
    { published, unchanged: outcomes.length - published, suitesUploaded, results: outcomes },
    () => {
      printOutcomes(ctx, outcomes);
      ctx.out.line();
      ctx.out.line(
        published === 0
          ? 'Nothing to publish: every document is unchanged since its latest version.'
          : `Published ${published} version${published === 1 ? '' : 's'}; ${outcomes.length - published} unchanged.`,
      );
      if (suitesUploaded > 0)
        ctx.out.line(`Uploaded ${suitesUploaded} suite${suitesUploaded === 1 ? '' : 's'}.`);
    },
  );
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
    ...(outcomes.some((o) => o.suite)
      ? [{ header: 'SUITE', value: (o: PublishOutcome) => describeSuite(o.suite) }]
      : []),
  ]);
}

function describeSuite(suite: SuiteOutcome | undefined): string {
  if (!suite) return '';
  return suite.result === 'uploaded'
    ? `suite revision ${suite.revision}`
    : `suite unchanged (revision ${suite.revision})`;
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
