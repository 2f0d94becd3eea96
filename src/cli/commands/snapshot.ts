/**
 * `promptops snapshot --env <env> --out <file>`: the environment's manifest with every body inlined,
 * built from its pins and the registry's documents with the same builder the deploy uses, for apps
 * to bundle as the client's `fallbackPath`.
 */

import { resolve } from 'node:path';
import { Option } from 'commander';
import type { EnvironmentStatusResponse, VersionDetails } from '../../core/api.ts';
import { parsePromptDocument } from '../../core/document.ts';
import { documentHash } from '../../core/hash.ts';
import { parseManifest } from '../../core/manifest.ts';
import { buildManifest, type ResolvedVariant } from '../../core/manifest-builder.ts';
import { pinVariants } from '../../core/pins.ts';
import { segment } from '../api-client.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { CliError, EXIT } from '../errors.ts';
import { writeFileAtomic } from '../files.ts';
import { ENV_OPTION } from '../options.ts';
import { describePin } from '../refs.ts';
import { isRunning } from '../rollout.ts';

export interface SnapshotOptions {
  readonly env?: string;
  /** The file to write. */
  readonly out: string;
}

export async function snapshot(ctx: CommandContext, options: SnapshotOptions): Promise<number> {
  const environment = await ctx.environment(options.env);
  const api = await ctx.api();
  const status = await api.get<EnvironmentStatusResponse>(`/environments/${segment(environment)}`);
  if (status.deployment && isRunning(status.deployment.state)) {
    ctx.out.warn(
      `deployment ${status.deployment.number} to ${environment} is ${status.deployment.state} at ${Math.round(status.deployment.percentage)}%: the snapshot holds the pins being rolled out`,
    );
  }

  const prompts: Record<string, ResolvedVariant[]> = {};
  for (const [id, pin] of Object.entries(status.prompts).sort(([a], [b]) => a.localeCompare(b))) {
    prompts[id] = await Promise.all(
      pinVariants(pin).map(async ({ version, weight }) => {
        const details = await api.get<VersionDetails>(`/prompts/${segment(id)}/versions/${segment(version)}`);
        const document = parsePromptDocument(details.document);
        if (documentHash(document) !== details.sha256)
          throw new CliError(
            `The document of ${id}@${version} does not match its SHA-256 ${details.sha256}: not writing a snapshot`,
          );
        return { version, sha256: details.sha256, document, weight };
      }),
    );
  }
  const built = buildManifest(
    { environment, revision: status.revision, generatedAt: new Date().toISOString(), prompts },
    { inlineThresholdBytes: Number.POSITIVE_INFINITY, maxBytes: Number.POSITIVE_INFINITY, programs: true },
  );
  parseManifest(built.json);
  const path = resolve(ctx.io.cwd, options.out);
  await writeFileAtomic(path, `${built.json}\n`);

  const count = Object.keys(prompts).length;
  ctx.out.result(
    { environment, revision: status.revision, file: path, bytes: built.bytes, prompts: status.prompts },
    () => {
      ctx.out.table(Object.entries(status.prompts), [
        { header: 'PROMPT', value: ([id]) => id },
        { header: 'PIN', value: ([, pin]) => describePin(pin) },
      ]);
      if (count > 0) ctx.out.line();
      ctx.out.line(
        `Wrote ${options.out}: ${environment} revision ${status.revision}, ${count} prompt${count === 1 ? '' : 's'}, ${built.bytes} bytes. Use it as the client's fallbackPath.`,
      );
    },
  );
  return EXIT.ok;
}

export const snapshotCommand = defineCommand({
  name: 'snapshot',
  description: "write the environment's manifest with every body inlined: the client's fallbackPath file",
  options: [ENV_OPTION, new Option('--out <file>', 'file to write').makeOptionMandatory()],
  examples: ['promptops snapshot --env prod --out src/prompts.snapshot.json'],
  action: (ctx, _args, options: SnapshotOptions) => snapshot(ctx, options),
});
