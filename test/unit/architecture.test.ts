/**
 * Dependencies point one way (docs/architecture.md): the core is pure, so it imports no AWS SDK, no
 * aws-cdk-lib, no file system or network module, and nothing outside src/core; the other layers
 * import only what sits below them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|tsx|mts|js|mjs)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

// `from 'x'` (static imports and re-exports), `import 'x'`, `import('x')`, `require('x')`. A match in a
// comment is a false positive, which errs on the strict side.
const IMPORT =
  /\bfrom\s*['"]([^'"]+)['"]|\bimport\s*(?:\(\s*)?['"]([^'"]+)['"]|\brequire\s*\(\s*['"]([^'"]+)['"]/g;

function specifiers(text: string): string[] {
  return [...text.matchAll(IMPORT)].map((m) => (m[1] ?? m[2] ?? m[3]) as string);
}

const FORBIDDEN_IN_CORE = [
  /^@aws-sdk\//,
  /^aws-sdk$/,
  /^aws-cdk-lib/,
  /^constructs$/,
  /^(node:)?fs(\/|$)/,
  /^(node:)?net$/,
  /^(node:)?http2?$/,
  /^(node:)?https$/,
  /^(node:)?dgram$/,
  /^(node:)?child_process$/,
];

describe('architecture', () => {
  const coreDir = join(ROOT, 'src/core');
  const files = sourceFiles(coreDir);

  it('finds the core sources', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it('the import scanner sees static, dynamic, side-effect and re-export imports', () => {
    const sample = [
      "import a from 'x';",
      'import { b } from "y";',
      "export * from './z.ts';",
      "const c = await import('w');",
      "import type { D } from 'v';",
      "import 'side-effect';",
      "const r = require('r');",
    ].join('\n');
    expect(specifiers(sample)).toEqual(['x', 'y', './z.ts', 'w', 'v', 'side-effect', 'r']);
  });

  it.each(
    files.map((f) => [relative(ROOT, f), f]),
  )('%s imports no AWS SDK, CDK, fs or network module', (_name, file) => {
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      for (const pattern of FORBIDDEN_IN_CORE) expect(spec, `${file} imports ${spec}`).not.toMatch(pattern);
      if (spec.startsWith('.')) {
        const target = resolve(join(file, '..'), spec);
        expect(target.startsWith(coreDir), `${file} imports ${spec} from outside src/core`).toBe(true);
      }
    }
  });
});

/** Folders a layer must never import from (relative to the repository root). */
const LAYERS: readonly { readonly layer: string; readonly forbidden: readonly string[] }[] = [
  { layer: 'lambda', forbidden: ['lib', 'src/cli', 'src/local', 'src/client', 'bench', 'test'] },
  // The construct knows the handlers by entry path only, never by import.
  { layer: 'lib', forbidden: ['lambda', 'src/cli', 'src/local', 'src/client', 'bench', 'test'] },
  { layer: 'src/client', forbidden: ['lambda', 'lib', 'src/cli', 'src/local', 'bench', 'test'] },
  { layer: 'src/local', forbidden: ['lib', 'src/cli', 'src/client', 'bench', 'test'] },
  { layer: 'src/cli', forbidden: ['lib', 'src/client', 'bench', 'test'] },
  // Browser code: the wire contract and pure rules of the core only (docs/console.md).
  { layer: 'console', forbidden: ['lambda', 'lib', 'src/cli', 'src/local', 'src/client', 'bench', 'test'] },
];

describe('layers', () => {
  for (const { layer, forbidden } of LAYERS) {
    it(`${layer} imports nothing from ${forbidden.join(', ')}`, () => {
      const files = sourceFiles(join(ROOT, layer));
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        for (const spec of specifiers(readFileSync(file, 'utf8'))) {
          if (!spec.startsWith('.')) continue;
          const target = relative(ROOT, resolve(join(file, '..'), spec));
          for (const folder of forbidden) {
            expect(
              target === folder || target.startsWith(`${folder}/`),
              `${relative(ROOT, file)} imports ${spec}`,
            ).toBe(false);
          }
        }
      }
    });
  }
});
