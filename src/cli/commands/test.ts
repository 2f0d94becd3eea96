/**
 * `promptops test [files...]`: runs the suite beside each prompt file (`<id>.eval.yaml`) offline, with
 * the provider the suite names or `--provider`: the author's inner loop, no API and no deploy. A file
 * without a suite is reported and does not fail; exit 1 when any suite did not pass.
 */
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import type { EvalProviderOverride } from '../../core/api.ts';
import type { PromptDocument } from '../../core/document.ts';
import {
  createProviderJudge,
  type EvalRunResult,
  type EvalSuite,
  type EvalTestResult,
  evalModelSettings,
  lintEvalSuite,
  type ProviderSpec,
  resolveProviderSpec,
  runSuite,
} from '../../core/eval/index.ts';
import { lintDocument } from '../../core/lint/index.ts';
import type { LintFinding } from '../../core/lint/types.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { EXIT } from '../errors.ts';
import {
  PROVIDER_OPTIONS,
  type ProviderOptions,
  printEvaluationTable,
  providerOverride,
  suitePathFor,
  summaryLine,
} from '../evaluation.ts';
import { countReporter } from '../progress.ts';
import { findPromptFiles, PROMPT_FILES_ARGUMENT, type PromptFile } from '../prompt-files.ts';
import { printFindings } from './lint.ts';

/**
 * How a prompt file fared: its suite's run state, `NO_SUITE` (not a failure), or `INVALID` (the prompt
 * or the suite has errors, listed in `findings`).
 */
export type TestState = EvalRunResult['state'] | 'NO_SUITE' | 'INVALID';

export interface PromptTestResult {
  readonly file: string;
  readonly id?: string;
  /** The suite file, as shown to the user. */
  readonly suite?: string;
  readonly state: TestState;
  readonly passRate?: number;
  readonly threshold?: number;
  readonly provider?: EvalRunResult['provider'];
  readonly tests?: readonly EvalTestResult[];
  readonly reason?: string;
  /** Errors of the prompt (in `file`) or of the suite (in `suite`), with lines. */
  readonly findings?: readonly (LintFinding & { readonly file: string })[];
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The provider spec of a run: the override wins; an openai override keeps the suite's key variable. */
function withSuiteKey(
  override: EvalProviderOverride | undefined,
  suite: EvalSuite,
): ProviderSpec | undefined {
  if (!override) return undefined;
  const apiKeyEnv = suite.provider?.type === 'openai' ? suite.provider.apiKeyEnv : undefined;
  return override.type === 'openai' && apiKeyEnv !== undefined ? { ...override, apiKeyEnv } : override;
}

async function runOne(
  ctx: CommandContext,
  file: PromptFile,
  override: EvalProviderOverride | undefined,
): Promise<PromptTestResult> {
  const linted = lintDocument(file.text);
  const document: PromptDocument | undefined = linted.document;
  if (!document) {
    return {
      file: file.display,
      state: 'INVALID',
      reason: 'the prompt does not parse',
      findings: linted.findings
        .filter((f) => f.severity === 'error')
        .map((f) => ({ ...f, file: file.display })),
    };
  }
  const base = { file: file.display, id: document.id };
  const suitePath = suitePathFor(file.path, document.id);
  const suiteShown = relative(ctx.io.cwd, suitePath) || suitePath;
  const text = await readIfExists(suitePath);
  if (text === undefined) return { ...base, state: 'NO_SUITE' };

  const lint = lintEvalSuite(text, document);
  if (!lint.ok || !lint.suite) {
    return {
      ...base,
      suite: suiteShown,
      state: 'INVALID',
      reason: 'the suite has errors',
      findings: lint.findings.map((f) => ({ ...f, file: suiteShown })),
    };
  }
  const suite = lint.suite;
  // The providers bring the AWS SDK: loaded only when a suite runs.
  const { createProvider } = await import('../../../lambda/evaluation/providers/index.ts');
  let run: EvalRunResult;
  const reporter = await countReporter({
    stream: ctx.out.progressStream,
    label: document.id,
    total: suite.tests.length,
    colors: ctx.out.colors,
    enabled: !ctx.out.json,
  });
  try {
    const spec = resolveProviderSpec({
      ...(suite.provider ? { suite: suite.provider } : {}),
      ...(override ? { override: withSuiteKey(override, suite) } : {}),
      prompt: document,
    });
    const deps = { env: ctx.io.env };
    const provider = createProvider(spec, deps);
    const judge = suite.judge
      ? createProviderJudge(
          createProvider(resolveProviderSpec({ override: suite.judge, prompt: document }), deps),
        )
      : undefined;
    run = await runSuite({
      suite,
      prompt: document,
      provider,
      ...(judge ? { judge } : {}),
      settings: evalModelSettings(document.model, spec),
      onTestFinished: (_result, finished) => reporter.update(finished),
    });
  } catch (error) {
    // A provider that cannot be built (no model, a bad spec) is the run's ERROR, as on the service.
    return {
      ...base,
      suite: suiteShown,
      state: 'ERROR',
      threshold: suite.threshold,
      reason: (error as Error).message,
    };
  } finally {
    reporter.stop();
  }
  return { ...base, suite: suiteShown, ...run };
}

export async function test(
  ctx: CommandContext,
  args: readonly string[],
  options: ProviderOptions,
): Promise<number> {
  const override = providerOverride(options);
  const files = await findPromptFiles(args, await ctx.config(), ctx.io.cwd);
  const results: PromptTestResult[] = [];
  for (const file of files) results.push(await runOne(ctx, file, override));

  const failing = results.filter((r) => r.state !== 'PASSED' && r.state !== 'NO_SUITE');
  const ran = results.filter((r) => r.state !== 'NO_SUITE');
  ctx.out.result({ ok: failing.length === 0, results }, () => printResults(ctx, results));
  if (ran.length === 0) ctx.out.note('No suites found: add <id>.eval.yaml beside a prompt to test it.');
  return failing.length === 0 ? EXIT.ok : EXIT.failure;
}

function printResults(ctx: CommandContext, results: readonly PromptTestResult[]): void {
  const c = ctx.out.colors;
  for (const result of results) {
    const name = c.bold(result.id ?? result.file);
    if (result.state === 'NO_SUITE') {
      ctx.out.line(`${name}  ${c.dim(`no suite (${result.file})`)}`);
      continue;
    }
    const via = result.provider
      ? `, ${result.provider.type}${result.provider.model && result.provider.model !== result.provider.type ? ` ${result.provider.model}` : ''}`
      : '';
    ctx.out.line(`${name}  ${c.dim(`${result.suite ?? result.file}${via}`)}`);
    if (result.state === 'INVALID') {
      const byFile = new Map<string, LintFinding[]>();
      for (const { file, ...finding } of result.findings ?? [])
        byFile.set(file, [...(byFile.get(file) ?? []), finding]);
      printFindings(
        ctx,
        [...byFile].map(([file, findings]) => ({ file, errors: findings.length, warnings: 0, findings })),
      );
      ctx.out.line(`${c.red('INVALID')}  ${result.reason ?? ''}: nothing ran`);
    } else {
      if (result.tests && result.tests.length > 0) printEvaluationTable(ctx, result.tests);
      ctx.out.line(
        summaryLine(ctx, {
          state: result.state,
          threshold: result.threshold ?? 1,
          ...(result.passRate !== undefined ? { passRate: result.passRate } : {}),
          ...(result.tests ? { tests: result.tests } : {}),
          ...(result.reason !== undefined ? { reason: result.reason } : {}),
        }),
      );
    }
    ctx.out.line();
  }
  const ran = results.filter((r) => r.state !== 'NO_SUITE');
  const passed = ran.filter((r) => r.state === 'PASSED').length;
  if (ran.length > 0) {
    const line = `${passed} of ${ran.length} suite${ran.length === 1 ? '' : 's'} passed`;
    ctx.out.line(passed === ran.length ? c.green(line) : c.red(line));
  }
}

export const testCommand = defineCommand({
  name: 'test',
  description: "run each prompt's <id>.eval.yaml offline (no API); exit 1 when a suite does not pass",
  arguments: [PROMPT_FILES_ARGUMENT],
  options: PROVIDER_OPTIONS,
  examples: [
    'promptops test',
    'promptops test prompts/support-reply.prompt.md --provider echo',
    'promptops test --provider openai --model llama3.1 --base-url http://127.0.0.1:11434/v1',
    'promptops test --json > results.json',
  ],
  action: (ctx, [files], options: ProviderOptions) => test(ctx, files, options),
});
