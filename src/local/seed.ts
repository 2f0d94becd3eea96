/**
 * First-start seeding: every example prompt is published by the local developer, approved by a
 * second local user (so the review rules hold), and deployed to the first environment. An example's
 * evaluation suite (`<id>.eval.yaml`) is put too, and a run of it started, so the release gate of the
 * protected environment admits the examples once their runs pass (docs/evaluations.md).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { LocalHandler } from './gateway.ts';
import { invokeRoute } from './invoke.ts';

/** `PROMPTOPS_SEED=false` starts local mode without the examples (as `--no-seed` does), e.g. to import into it. */
export const SEED_ENV = 'PROMPTOPS_SEED';

/** PROMPTOPS_SEED: `true`/`1`/`yes`, `false`/`0`/`no`, or unset/empty (undefined: the default, seed). */
export function parseSeedSetting(raw: string | undefined): boolean | undefined {
  const value = raw?.trim().toLowerCase();
  if (value === undefined || value === '') return undefined;
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  throw new Error(`${SEED_ENV}=${JSON.stringify(raw)} is invalid: use true or false`);
}

export const SEED_AUTHOR = 'local:developer';
export const SEED_REVIEWER = 'local:reviewer';

export interface SeedResult {
  readonly prompts: readonly { id: string; version: string }[];
  /** The evaluation runs started, one per example with a suite. */
  readonly evaluations: readonly { id: string; version: string; runId: string }[];
  readonly environment: string;
  readonly deploymentNumber?: number;
}

export async function seedExamples(
  handlers: Readonly<Record<string, LocalHandler>>,
  examplesDir: string,
  environment: string,
  strategy: string,
): Promise<SeedResult> {
  const files = (await readdir(examplesDir)).filter((f) => f.endsWith('.prompt.md')).sort();
  const prompts: { id: string; version: string }[] = [];
  const evaluations: { id: string; version: string; runId: string }[] = [];
  for (const file of files) {
    const document = await readFile(path.join(examplesDir, file), 'utf8');
    const id = file.replace(/\.prompt\.md$/, '');
    const published = await invokeRoute(handlers, {
      method: 'POST',
      path: `/prompts/${id}/versions`,
      body: { document, message: 'Example from examples/prompts' },
      caller: SEED_AUTHOR,
    });
    if (published.status !== 201 && published.status !== 200) {
      throw new Error(`Seeding ${file} failed: ${published.status} ${published.body?.detail ?? ''}`);
    }
    const version = published.body.version as string;
    const approved = await invokeRoute(handlers, {
      method: 'POST',
      path: `/prompts/${id}/versions/${version}/approvals`,
      body: { comment: 'Seeded example' },
      caller: SEED_REVIEWER,
    });
    if (approved.status !== 201 && approved.status !== 200) {
      throw new Error(`Approving ${id}@${version} failed: ${approved.status} ${approved.body?.detail ?? ''}`);
    }
    prompts.push({ id, version });
    const runId = await seedEvaluation(handlers, examplesDir, id, version);
    if (runId) evaluations.push({ id, version, runId });
  }
  if (prompts.length === 0) return { prompts, evaluations, environment };
  const deployed = await invokeRoute(handlers, {
    method: 'POST',
    path: `/environments/${environment}/deployments`,
    body: {
      prompts: Object.fromEntries(prompts.map((p) => [p.id, p.version])),
      strategy,
      description: 'Seeded examples',
    },
    caller: SEED_AUTHOR,
  });
  if (deployed.status !== 202)
    throw new Error(`Deploying the examples failed: ${deployed.status} ${deployed.body?.detail ?? ''}`);
  return { prompts, evaluations, environment, deploymentNumber: deployed.body.deploymentNumber as number };
}

/** Puts the example's suite, when it has one, and starts a run of it; the run id, or undefined. */
async function seedEvaluation(
  handlers: Readonly<Record<string, LocalHandler>>,
  examplesDir: string,
  id: string,
  version: string,
): Promise<string | undefined> {
  let suite: string;
  try {
    suite = await readFile(path.join(examplesDir, `${id}.eval.yaml`), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const put = await invokeRoute(handlers, {
    method: 'PUT',
    path: `/prompts/${id}/eval-suite`,
    body: { suite },
    caller: SEED_AUTHOR,
  });
  if (put.status !== 201 && put.status !== 200) {
    throw new Error(`Putting the suite of ${id} failed: ${put.status} ${put.body?.detail ?? ''}`);
  }
  const started = await invokeRoute(handlers, {
    method: 'POST',
    path: `/prompts/${id}/versions/${version}/evaluations`,
    body: {},
    caller: SEED_AUTHOR,
  });
  if (started.status !== 202) {
    throw new Error(`Evaluating ${id}@${version} failed: ${started.status} ${started.body?.detail ?? ''}`);
  }
  return started.body.id as string;
}
