/**
 * `promptops deploy --env <env> <id>@<version>... [--split ...] [--segment <name>] [--strategy] [--wait]`:
 * pins versions in an environment (with --segment, for that segment only: docs/segments.md); with
 * --wait, follows the rollout to COMPLETE (exit 0) or ROLLED_BACK (exit 3).
 */

import { Option } from 'commander';
import type { DeployRequest, StartedDeployment } from '../../core/api.ts';
import type { BasePin, PinUpdate } from '../../core/pins.ts';
import { segmentNameProblem } from '../../core/segments.ts';
import { segment } from '../api-client.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';
import { collect, WAIT_OPTIONS } from '../options.ts';
import { describePin, parseSplit, parseVersionRef } from '../refs.ts';
import { type WaitOptions, waitForOutcome } from '../rollout.ts';

export interface DeployOptions extends WaitOptions {
  readonly env?: string;
  /** Repeated --split values. */
  readonly split?: readonly string[];
  readonly strategy?: string;
  readonly description?: string;
  readonly wait?: boolean;
  /** Deploy deprecated versions anyway (docs/maintenance.md). */
  readonly allowDeprecated?: boolean;
  /** Pin the versions for this segment only, leaving the default pin (docs/segments.md). */
  readonly segment?: string;
}

/** The pins for one segment: each prompt keeps its default, and the segment gets the pin. */
export function segmentPins(pins: Record<string, BasePin>, name: string): Record<string, PinUpdate> {
  const problem = segmentNameProblem(name);
  if (problem) throw new UsageError(`Bad --segment: ${problem}`);
  return Object.fromEntries(Object.entries(pins).map(([id, pin]) => [id, { segments: { [name]: pin } }]));
}

export function pinsFromArguments(
  refs: readonly string[],
  splits: readonly string[],
): Record<string, BasePin> {
  const pins: Record<string, BasePin> = {};
  const add = (id: string, pin: BasePin) => {
    if (Object.hasOwn(pins, id))
      throw new UsageError(`Prompt ${id} is given more than once: give one version or one --split for it`);
    pins[id] = pin;
  };
  for (const ref of refs) {
    const { id, version } = parseVersionRef(ref);
    add(id, version);
  }
  for (const split of splits) {
    const { id, pin } = parseSplit(split);
    add(id, pin);
  }
  if (Object.keys(pins).length === 0)
    throw new UsageError('Name what to deploy: <id>@<version> and/or --split <id>=<v1>:<w1>,<v2>:<w2>', [
      'For example: promptops deploy --env prod support-reply@1.2.0',
    ]);
  return pins;
}

export async function deploy(
  ctx: CommandContext,
  refs: readonly string[] = [],
  options: DeployOptions,
): Promise<number> {
  const pins = pinsFromArguments(refs, options.split ?? []);
  const prompts = options.segment === undefined ? pins : segmentPins(pins, options.segment);
  const environment = await ctx.environment(options.env);
  const api = await ctx.api();
  const { body: started } = await api.post<StartedDeployment>(
    `/environments/${segment(environment)}/deployments`,
    {
      prompts,
      ...(options.strategy !== undefined ? { strategy: options.strategy } : {}),
      ...(options.description !== undefined ? { description: options.description } : {}),
      ...(options.allowDeprecated ? { allowDeprecated: true } : {}),
    } satisfies DeployRequest,
  );

  const c = ctx.out.colors;
  const startedLine = `Deployment ${started.deploymentNumber} to ${environment} started (revision ${started.revision}): ${Object.entries(
    pins,
  )
    .map(([id, pin]) => `${id} ${describePin(pin)}`)
    .join(', ')}${options.segment === undefined ? '' : ` for segment ${options.segment}`}`;
  for (const d of started.deprecated ?? [])
    ctx.out.note(`${c.yellow('Deprecated')} ${d.id}@${d.version} deployed anyway: ${d.reason}`);
  if (!options.wait) {
    ctx.out.result(
      { ...started, prompts: pins, ...(options.segment ? { segment: options.segment } : {}) },
      () => {
        ctx.out.line(`${c.green('Started')}  ${startedLine}`);
        ctx.out.line(`Follow it with: promptops status --env ${environment}  (or deploy with --wait)`);
      },
    );
    return EXIT.ok;
  }

  ctx.out.note(startedLine);
  return waitForOutcome(ctx, api, { environment, deploymentNumber: started.deploymentNumber }, options, {
    prompts: pins,
  });
}

export const deployCommand = defineCommand({
  name: 'deploy',
  description: "deploy versions to an environment (merged into the environment's current pins)",
  arguments: [{ name: '[id@version...]', description: 'versions to pin, e.g. support-reply@1.2.0' }],
  options: [
    new Option('--env <env>', 'target environment (default: "environment" in promptops.config.json)'),
    new Option(
      '--split <id=v1:w1,v2:w2>',
      'A/B split for a prompt, weights summing to 100 (repeatable)',
    ).argParser(collect),
    new Option('--strategy <name>', "AppConfig deployment strategy (default: the environment's)"),
    new Option('--description <text>', 'description recorded with the deployment'),
    new Option('--allow-deprecated', 'deploy versions marked deprecated anyway'),
    new Option(
      '--segment <name>',
      'pin the versions for this segment (user group) only; the default pin stays',
    ),
    ...WAIT_OPTIONS,
  ],
  examples: [
    'promptops deploy --env prod support-reply@1.2.0 --wait',
    'promptops deploy --env prod support-reply@1.2.0 --segment beta',
    'promptops deploy --env prod --split support-reply=1.2.0:90,1.3.0:10 --strategy Linear50PercentEvery30Seconds',
  ],
  action: (ctx, [refs], options: DeployOptions) => deploy(ctx, refs, options),
});
