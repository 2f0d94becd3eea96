/**
 * `promptops init`: an example prompt under prompts/, its evaluation suite beside it, and
 * promptops.config.json. A file that exists is never overwritten: it is left as it is and reported as
 * skipped.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { Option } from 'commander';
import { isEnvironmentName } from '../../core/ids.ts';
import { defineCommand } from '../command.ts';
import {
  CONFIG_FILE,
  DEFAULT_LOCAL_ENDPOINT,
  DEFAULT_PROMPTS_DIR,
  type ProjectConfig,
  readCdkOutputs,
} from '../config.ts';
import type { CommandContext } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';
import { SUITE_EXTENSION } from '../evaluation.ts';

export const EXAMPLE_PROMPT_ID = 'welcome-message';

export const EXAMPLE_PROMPT = `---
id: ${EXAMPLE_PROMPT_ID}
description: Welcomes a new customer after sign-up
owner: my-team
model: { provider: bedrock, id: anthropic.claude-sonnet-4, temperature: 0.3, maxTokens: 400 }
variables:
  customer_name: { type: string, required: true, description: First name of the customer }
  product:       { type: string, required: true }
  tone:          { type: string, required: false, default: warm }
tags: [onboarding]
---
## role
You write short welcome messages for {{product}}.
## instructions
Welcome {{customer_name}} in a {{tone}} tone and suggest one first step with {{product}}.
## guardrails
Do not mention prices or promotions.
## output_format
Plain text, at most 80 words.
`;

/**
 * The example prompt's suite. With echo the output is the rendered prompt, so it passes offline as it
 * is; switching the provider to a model turns the output assertions into checks of real replies.
 */
export const EXAMPLE_SUITE = `# Tests of ${EXAMPLE_PROMPT_ID}: promptops test runs them offline, promptops eval on the service.
# echo answers with the rendered prompt itself; use { type: bedrock } to grade the model's replies.
description: Welcome message regression suite
threshold: 1
provider: { type: echo }
tests:
  - description: greets the customer by name with the default tone
    vars: { customer_name: Ana, product: Acme Notes }
    assert:
      - { type: rendered-contains, value: Welcome Ana in a warm tone }
      - { type: rendered-regex, value: 'at most \\d+ words' }
      - { type: icontains, value: acme notes }
  - description: keeps prices out
    vars: { customer_name: Bo, product: Acme Notes, tone: playful }
    assert:
      - { type: rendered-contains, value: Do not mention prices or promotions. }
      - { type: not-rendered-contains, value: warm tone }
      - { type: not-icontains, value: discount }
`;

async function writeNew(path: string, text: string): Promise<boolean> {
  await mkdir(dirname(path), { recursive: true });
  try {
    await writeFile(path, text, { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

export interface InitOptions {
  /** The default environment written to the config. */
  readonly env: string;
  /** The AppConfig application apps read prompts from. */
  readonly application: string;
}

export async function init(ctx: CommandContext, options: InitOptions): Promise<number> {
  if (!isEnvironmentName(options.env))
    throw new UsageError(`--env ${JSON.stringify(options.env)} is not an environment name`);
  const cwd = ctx.io.cwd;
  const outputs = await readCdkOutputs(cwd);
  const config: ProjectConfig = {
    // An endpoint here would take precedence over cdk-outputs.json, so it is left out when that exists.
    ...(ctx.globals.endpoint
      ? { endpoint: ctx.globals.endpoint }
      : outputs
        ? {}
        : { endpoint: DEFAULT_LOCAL_ENDPOINT }),
    application: options.application,
    environment: options.env,
    prompts: DEFAULT_PROMPTS_DIR,
  };
  const files = [
    { path: join(cwd, DEFAULT_PROMPTS_DIR, `${EXAMPLE_PROMPT_ID}.prompt.md`), text: EXAMPLE_PROMPT },
    { path: join(cwd, DEFAULT_PROMPTS_DIR, `${EXAMPLE_PROMPT_ID}${SUITE_EXTENSION}`), text: EXAMPLE_SUITE },
    { path: join(cwd, CONFIG_FILE), text: `${JSON.stringify(config, null, 2)}\n` },
  ];
  const created: string[] = [];
  const skipped: string[] = [];
  for (const file of files)
    ((await writeNew(file.path, file.text)) ? created : skipped).push(relative(cwd, file.path));

  ctx.out.result({ created, skipped }, () => {
    const c = ctx.out.colors;
    for (const file of created) ctx.out.line(`${c.green('created')}  ${file}`);
    for (const file of skipped) ctx.out.line(`${c.yellow('skipped')}  ${file} (exists; left as it is)`);
    ctx.out.line();
    if (created.includes(CONFIG_FILE)) {
      ctx.out.line(
        config.endpoint
          ? `The API endpoint is ${config.endpoint}${config.endpoint === DEFAULT_LOCAL_ENDPOINT ? ' (local mode: start it with promptops dev)' : ''}.`
          : `The API endpoint comes from ${relative(cwd, outputs?.path ?? '')} (stack ${outputs?.stack}).`,
      );
    }
    ctx.out.line('Next: promptops lint, promptops test, then promptops publish.');
  });
  return EXIT.ok;
}

export const initCommand = defineCommand({
  name: 'init',
  description:
    'scaffold prompts/ with an example prompt, its suite and promptops.config.json (never overwrites a file)',
  options: [
    new Option('--env <env>', 'default environment written to the config').default('dev'),
    new Option('--application <name>', 'AppConfig application apps read prompts from').default('promptops'),
  ],
  examples: [
    'promptops init',
    'promptops init --endpoint https://abc123.execute-api.eu-west-1.amazonaws.com --env staging',
  ],
  action: (ctx, _args, options: InitOptions) => init(ctx, options),
});
