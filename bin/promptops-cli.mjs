#!/usr/bin/env node
// The `promptops` command. Runs the compiled CLI (dist/src/cli/main.js) when the package is built;
// in a clone right after `npm install`, the TypeScript sources through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (existsSync(compiled)) {
  const { main } = await import(pathToFileURL(compiled).href);
  await main();
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/cli/main.ts');
  await main();
}
