/** Finding `.prompt.md` files: the arguments (files or folders), else the project's prompts folder. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { ArgumentSpec } from './command.ts';
import { configPath, DEFAULT_PROMPTS_DIR, type LoadedConfig } from './config.ts';
import { CliError, UsageError } from './errors.ts';

export const PROMPT_EXTENSION = '.prompt.md';

export interface PromptFile {
  /** As shown to the user: relative to the working directory. */
  readonly display: string;
  readonly path: string;
  readonly text: string;
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(path)));
    else if (entry.isFile() && entry.name.endsWith(PROMPT_EXTENSION)) files.push(path);
  }
  return files;
}

/** `[files...]` of the commands that read prompt files: what `findPromptFiles` takes as its arguments. */
export const PROMPT_FILES_ARGUMENT: ArgumentSpec<'[files...]'> = {
  name: '[files...]',
  description: 'files or folders of *.prompt.md (default: the prompts folder)',
};

export async function findPromptFiles(
  args: readonly string[],
  config: LoadedConfig,
  cwd: string,
): Promise<PromptFile[]> {
  let roots: string[];
  let defaulted = false;
  if (args.length > 0) roots = args.map((a) => resolve(cwd, a));
  else {
    roots = [configPath(config, config.config.prompts ?? DEFAULT_PROMPTS_DIR)];
    defaulted = true;
  }
  const paths: string[] = [];
  for (const root of roots) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(root);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const shown = relative(cwd, root) || '.';
      if (defaulted)
        throw new UsageError(`No prompts folder at ${shown}`, [
          'Name files or folders to use, run promptops init, or set "prompts" in promptops.config.json.',
        ]);
      throw new UsageError(`${shown} does not exist`);
    }
    if (info.isDirectory()) paths.push(...(await walk(root)));
    else paths.push(root);
  }
  const unique = [...new Set(paths)];
  if (unique.length === 0) {
    throw new CliError(
      `No ${PROMPT_EXTENSION} files in ${roots.map((r) => relative(cwd, r) || '.').join(', ')}`,
    );
  }
  return Promise.all(
    unique.map(async (path) => ({
      path,
      display: relative(cwd, path) || path,
      text: await readFile(path, 'utf8'),
    })),
  );
}
