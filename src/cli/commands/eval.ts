/**
 * `promptops eval <id>@<version> [--provider ...] [--wait]`: starts a run of the prompt's suite on the
 * service; with --wait, follows it and prints the test x assertion table (exit 0 PASSED, 1 FAILED or
 * ERROR). Runs are recorded by the service, which is what the release gate reads.
 */
import type {
  EvaluationRun,
  EvaluationStarted,
  EvaluationState,
  StartEvaluationRequest,
} from '../../core/api.ts';
import { type ApiClient, segment } from '../api-client.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { CliError, EXIT } from '../errors.ts';
import {
  PROVIDER_OPTIONS,
  type ProviderOptions,
  printEvaluationTable,
  providerOverride,
  summaryLine,
} from '../evaluation.ts';
import { EVAL_WAIT_OPTIONS } from '../options.ts';
import { formatElapsed } from '../progress.ts';
import { parseVersionRef } from '../refs.ts';
import type { WaitOptions } from '../rollout.ts';

export interface EvalOptions extends ProviderOptions, WaitOptions {
  readonly wait?: boolean;
}

export function evaluationsPath(id: string, version: string): string {
  return `/prompts/${segment(id)}/versions/${segment(version)}/evaluations`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls the run until it is no longer RUNNING, one progress line per change of state. */
async function followRun(
  ctx: CommandContext,
  api: ApiClient,
  path: string,
  label: string,
  options: WaitOptions,
): Promise<EvaluationRun> {
  const started = Date.now();
  let last: EvaluationState | undefined;
  const stream = ctx.out.progressStream;
  for (;;) {
    const run = await api.get<EvaluationRun>(path);
    if (run.state !== last) {
      last = run.state;
      stream.write(`${label}: ${run.state} [+${formatElapsed(Date.now() - started)}]\n`);
    }
    if (run.state !== 'RUNNING') return run;
    if (options.timeout !== undefined && Date.now() - started >= options.timeout * 1000) {
      throw new CliError(
        `Stopped waiting after ${formatElapsed(Date.now() - started)}: ${label} is RUNNING`,
        {
          code: 'TIMEOUT',
          details: [`The run continues on the service; its result: GET ${path}`],
          data: { id: run.id, state: run.state },
        },
      );
    }
    await sleep(options.interval * 1000);
  }
}

export async function evaluate(ctx: CommandContext, ref: string, options: EvalOptions): Promise<number> {
  const { id, version } = parseVersionRef(ref);
  const override = providerOverride(options);
  const api = await ctx.api();
  const path = evaluationsPath(id, version);
  const { body: started } = await api.post<EvaluationStarted>(path, {
    ...(override ? { provider: override } : {}),
  } satisfies StartEvaluationRequest);
  const label = `evaluation ${started.id} of ${id}@${version}`;
  const c = ctx.out.colors;

  if (!options.wait) {
    ctx.out.result({ promptId: id, version, ...started }, () => {
      ctx.out.line(`${c.yellow(started.state)}  ${label} started (suite revision ${started.suiteRevision})`);
      ctx.out.line(`Its result: GET ${path}/${segment(started.id)}  (eval --wait follows a run to its end)`);
    });
    return EXIT.ok;
  }

  ctx.out.note(`${label} started (suite revision ${started.suiteRevision})`);
  const run = await followRun(ctx, api, `${path}/${segment(started.id)}`, label, options);
  ctx.out.result(run, () => {
    ctx.out.line();
    if (run.tests.length > 0) printEvaluationTable(ctx, run.tests);
    ctx.out.line(summaryLine(ctx, run));
  });
  return run.state === 'PASSED' ? EXIT.ok : EXIT.failure;
}

export const evalCommand = defineCommand({
  name: 'eval',
  description: "run a version's suite on the service (the run the release gate reads); --wait follows it",
  arguments: [{ name: '<id@version>', description: 'the version to evaluate, e.g. support-reply@1.2.0' }],
  options: [...PROVIDER_OPTIONS, ...EVAL_WAIT_OPTIONS],
  examples: [
    'promptops eval support-reply@1.2.0 --wait',
    'promptops eval support-reply@1.2.0 --provider echo --wait --timeout 5m',
    'promptops eval support-reply@1.2.0 --provider bedrock --model anthropic.claude-haiku-4 --json',
  ],
  action: (ctx, [ref], options: EvalOptions) => evaluate(ctx, ref, options),
});
