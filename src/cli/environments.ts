/** Which environments a stack has, for commands that cover all of them (`status` without --env). */
import {
  environmentsOfOutputs,
  type LocalEndpointsFile,
  localDataDir,
  readCdkOutputs,
  readLocalEndpoints,
  type Target,
} from './config.ts';
import type { CommandContext } from './context.ts';

/** Local mode's endpoints.json for the target's API, when the data folder holds the running one. */
export async function localEndpointsFor(
  ctx: CommandContext,
  target: Target,
  dataDir?: string,
): Promise<LocalEndpointsFile | undefined> {
  const endpoints = await readLocalEndpoints(localDataDir(await ctx.config(), ctx.io, dataDir));
  if (!endpoints) return undefined;
  return new URL(endpoints.api).origin === new URL(target.endpoint).origin ? endpoints : undefined;
}

export async function knownEnvironments(ctx: CommandContext, target: Target): Promise<string[]> {
  const { config } = await ctx.config();
  const names = [...(config.environments ?? [])];
  if (names.length === 0) {
    if (target.local) names.push(...((await localEndpointsFor(ctx, target))?.environments ?? []));
    else {
      const outputs = await readCdkOutputs(ctx.io.cwd);
      if (
        outputs &&
        new URL(outputs.outputs.ApiUrl ?? target.endpoint).origin === new URL(target.endpoint).origin
      )
        names.push(...environmentsOfOutputs(outputs));
    }
  }
  if (names.length === 0 && config.environment) names.push(config.environment);
  return [...new Set(names)];
}
