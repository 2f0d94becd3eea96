/**
 * `promptops rollback --env <env> [id...]`: stop a running deployment (AppConfig rolls back), or
 * deploy the previous revision's pins again; with ids, only those prompts go back to their previous pin.
 */

import type { Command } from 'commander';
import type { RollbackRequest, StartedDeployment } from '../../core/api.ts';
import { segment } from '../api-client.ts';
import { type CliCommand, withExamples } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { EXIT } from '../errors.ts';
import { withWaitOptions } from '../options.ts';
import { parsePromptId } from '../refs.ts';
import { followRollout, printOutcome, type WaitOptions } from '../rollout.ts';

export interface RollbackOptions extends WaitOptions {
  readonly env?: string;
  readonly reason?: string;
  readonly wait?: boolean;
}

export async function rollback(
  ctx: CommandContext,
  ids: readonly string[] = [],
  options: RollbackOptions,
): Promise<number> {
  const prompts = ids.map((id) => parsePromptId(id));
  const environment = await ctx.environment(options.env);
  const api = await ctx.api();
  const { body: started } = await api.post<StartedDeployment>(
    `/environments/${segment(environment)}/rollback`,
    {
      ...(prompts.length > 0 ? { prompts } : {}),
      ...(options.reason !== undefined ? { reason: options.reason } : {}),
    } satisfies RollbackRequest,
  );
  const c = ctx.out.colors;
  const scope = prompts.length > 0 ? prompts.join(', ') : 'the whole environment';
  // A running deployment is stopped: AppConfig has already gone back, there is nothing to follow.
  const stopped = started.state === 'ROLLED_BACK';
  const summary = stopped
    ? `Deployment ${started.deploymentNumber} to ${environment} stopped: ${environment} serves revision ${started.revision} again.`
    : `Rollback of ${scope} in ${environment} started as deployment ${started.deploymentNumber} (revision ${started.revision}).`;

  if (!options.wait || stopped) {
    ctx.out.result({ ...started, prompts, stopped }, () => {
      ctx.out.line(`${c.green('Rolled back')}  ${summary}`);
      if (!stopped)
        ctx.out.line(`Follow it with: promptops status --env ${environment}  (or roll back with --wait)`);
    });
    return EXIT.ok;
  }
  ctx.out.note(summary);
  const outcome = await followRollout(ctx, api, environment, started.deploymentNumber, options);
  ctx.out.result({ ...outcome, prompts, stopped }, () => printOutcome(ctx, outcome));
  return outcome.state === 'ROLLED_BACK' ? EXIT.rolledBack : EXIT.ok;
}

export const rollbackCommand: CliCommand = {
  register(program, run) {
    withExamples(
      withWaitOptions(
        program
          .command('rollback')
          .description('roll an environment back: stop a running deployment, or return to the previous pins')
          .argument('[ids...]', 'roll back only these prompts to their previous pins')
          .option('--env <env>', 'environment (default: "environment" in promptops.config.json)')
          .option('--reason <text>', 'why, recorded in the audit log'),
      ),
      [
        'promptops rollback --env prod --reason "Complaints about tone"',
        'promptops rollback --env prod support-reply --wait',
      ],
    ).action((ids: string[], options: RollbackOptions, command: Command) =>
      run(command, (ctx) => rollback(ctx, ids, options)),
    );
  },
};
