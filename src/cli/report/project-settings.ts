/**
 * The settings the release gates and alarms follow, as the CLI can know them: the CDK context in the
 * project's cdk.json (the same keys `cdk synth` reads, docs/cli.md), else the defaults. Reports say
 * which of the two they used.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type PromptOpsSettings, parseSettings, pickSettings } from '../../core/settings.ts';

export interface ProjectSettings {
  readonly settings: PromptOpsSettings;
  /** `cdk.json` when read from it, `defaults` otherwise. */
  readonly source: 'cdk.json' | 'defaults';
}

export async function projectSettings(cwd: string): Promise<ProjectSettings> {
  let text: string;
  try {
    text = await readFile(join(cwd, 'cdk.json'), 'utf8');
  } catch {
    return { settings: parseSettings({}), source: 'defaults' };
  }
  const cdk = JSON.parse(text) as { context?: Record<string, unknown> };
  return { settings: parseSettings(pickSettings(cdk.context ?? {})), source: 'cdk.json' };
}
