/**
 * `promptops rollback --env <env> [--segment <name>...] [id...]`: stop a running deployment (AppConfig
 * rolls back), or deploy the previous revision's pins again; with ids, only those prompts go back to
 * their previous pin; with --segment, only those segments' pins (docs/segments.md).
 */

import { Option } from 'commander';
import type { RollbackRequest, StartedDeployment } from '../../core/api.ts';
import { segmentNameProblem } from '../../core/segments.ts';
import { segment } from '../api-client.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';
import { collect, ENV_OPTION, WAIT_OPTIONS } from '../options.ts';
import { parsePromptId } from '../refs.ts';
import { type WaitOptions, waitForOutcome } from '../rollout.ts';

export interface RollbackOptions extends WaitOptions {
  readonly env?: string;
  readonly reason?: string;
  readonly wait?: boolean;
  /** Repeated --segment values: roll back only these segments' pins. */
  readonly segment?: readonly string[];
}

export async function rollback(
  ctx: CommandContext,
  ids: readonly string[] = [],
  options: RollbackOptions,
): Promise<number> {
  const prompts = ids.map((id) => parsePromptId(id));
  const segments = [...new Set(options.segment ?? [])];
  for (const name of segments) {
    const problem = segmentNameProblem(name);
    if (problem) throw new UsageError(`Bad --segment: ${problem}`);
  }
  const environment = await ctx.environment(options.env);
  const api = await ctx.api();
  const { body: started } = await api.post<StartedDeployment>(
    `/environments/${segment(environment)}/rollback`,
    {
      ...(prompts.length > 0 ? { prompts } : {}),
      ...(segments.length > 0 ? { segments } : {}),
      ...(options.reason !== undefined ? { reason: options.reason } : {}),
    } satisfies RollbackRequest,
  );
  const c = ctx.out.colors;
  const promptScope = prompts.length > 0 ? prompts.join(', ') : 'the whole environment';
  const scope =
    segments.length > 0
      ? `segment${segments.length > 1 ? 's' : ''} ${segments.join(', ')} of ${prompts.length > 0 ? promptScope : 'every prompt'}`
      : promptScope;
  // A running deployment is stopped: AppConfig has already gone back, there is nothing to follow.
  const stopped = started.state === 'ROLLED_BACK';
  const summary = stopped
    ? `Deployment ${started.deploymentNumber} to ${environment} stopped: ${environment} serves revision ${started.revision} again.`
    : `Rollback of ${scope} in ${environment} started as deployment ${started.deploymentNumber} (revision ${started.revision}).`;

  if (!options.wait || stopped) {
    ctx.out.result({ ...started, prompts, ...(segments.length > 0 ? { segments } : {}), stopped }, () => {
      ctx.out.line(`${c.green('Rolled back')}  ${summary}`);
      if (!stopped)
        ctx.out.line(`Follow it with: promptops status --env ${environment}  (or roll back with --wait)`);
    });
    return EXIT.ok;
  }
  ctx.out.note(summary);
  return waitForOutcome(ctx, api, { environment, deploymentNumber: started.deploymentNumber }, options, {
    prompts,
    stopped,
  });
}

export const rollbackCommand = defineCommand({
  name: 'rollback',
  description: 'roll an environment back: stop a running deployment, or return to the previous pins',
  arguments: [{ name: '[ids...]', description: 'roll back only these prompts to their previous pins' }],
  options: [
    ENV_OPTION,
    new Option('--reason <text>', 'why, recorded in the audit log'),
    new Option(
      '--segment <name>',
      "roll back only this segment's pins; the default and other segments stay (repeatable)",
    ).argParser(collect),
    ...WAIT_OPTIONS,
  ],
  examples: [
    'promptops rollback --env prod --reason "Complaints about tone"',
    'promptops rollback --env prod support-reply --wait',
    'promptops rollback --env prod --segment beta',
  ],
  action: (ctx, [ids], options: RollbackOptions) => rollback(ctx, ids, options),
});
