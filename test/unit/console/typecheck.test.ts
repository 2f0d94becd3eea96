/**
 * The console's sources are browser code (DOM types, Preact JSX), so the project's tsconfig leaves
 * them out and console/tsconfig.json checks them; this runs that check as part of `npm test`.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

describe('console sources', () => {
  it('type-check with console/tsconfig.json', { timeout: 60_000 }, async () => {
    const tsc = fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url));
    const result = await promisify(execFile)(
      process.execPath,
      [tsc, '--noEmit', '-p', 'console/tsconfig.json'],
      {
        cwd: ROOT,
      },
    ).then(
      () => ({ code: 0, output: '' }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({
        code: error.code ?? 1,
        output: `${error.stdout ?? ''}${error.stderr ?? ''}`,
      }),
    );
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });
});
