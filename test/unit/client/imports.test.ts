/**
 * What the client library may import (docs/architecture.md): the pure core modules that stay free of yaml,
 * semver and diff, Node built-ins, and the AWS SDK only by dynamic import. Nothing from lambda/, lib/,
 * the CLI or local mode. esbuild resolves the real module graph; a text scan also covers type imports.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CLIENT_DIR = join(ROOT, 'src/client');

/** Core modules the client may load: none of them pulls in yaml, semver or diff. */
const CORE_ALLOWED = [
  'client-contract.ts',
  'client-defaults.ts',
  'error-base.ts',
  'errors.ts',
  'front-matter.ts',
  'idempotency-key.ts',
  'manifest-check.ts',
  'manifest-check-pins.ts',
  'manifest-check-refs.ts',
  'manifest-program.ts',
  'manifest.ts',
  'metrics.ts',
  'outcome-metrics.ts',
  'prompt-compiler.ts',
  'compiled-prompt.ts',
  'section-split.ts',
  'template-tree.ts',
  'valid-body.ts',
  'render-codegen.ts',
  'sections.ts',
  'segments.ts',
  // The layout of captured shadow outputs, loaded with the first pair (docs/shadows.md).
  'shadow-outputs.ts',
  'sigv4.ts',
  'template-compiler.ts',
  'template-interpreter.ts',
  'variable-errors.ts',
  'variables.ts',
  'variants.ts',
  'version-key.ts',
].map((name) => `src/core/${name}`);

/** Loaded with `import()` only when the SDK source, S3 bodies or feedback are used. */
const DYNAMIC_ONLY = [
  '@aws-sdk/client-appconfigdata',
  '@aws-sdk/client-s3',
  '@aws-sdk/credential-provider-node',
  '@smithy/signature-v4',
];

const FORBIDDEN_DIRS = ['lambda/', 'lib/', 'bin/', 'src/cli/', 'src/local/'];

let metafile: Metafile;

beforeAll(async () => {
  ({ metafile } = await build({
    entryPoints: [join(CLIENT_DIR, 'index.ts')],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outdir: join(ROOT, 'dist-unused'),
    logLevel: 'silent',
  }));
});

describe('client imports', () => {
  it('loads only client modules and the allowed core modules', () => {
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.filter((path) => path.startsWith('src/client/')).length).toBeGreaterThan(10);
    for (const path of inputs) {
      expect(
        path.startsWith('src/client/') || CORE_ALLOWED.includes(path),
        `${path} is loaded by the client`,
      ).toBe(true);
    }
  });

  it('imports packages only as Node built-ins, and the AWS SDK only dynamically', () => {
    const external = Object.entries(metafile.inputs).flatMap(([from, input]) =>
      input.imports.filter((i) => i.external).map((i) => ({ from, ...i })),
    );
    expect(external.some((i) => i.path === '@aws-sdk/client-s3')).toBe(true);
    for (const { from, path, kind } of external) {
      if (path.startsWith('node:')) continue;
      expect(DYNAMIC_ONLY, `${from} imports ${path}`).toContain(path);
      expect(kind, `${from} imports ${path} statically`).toBe('dynamic-import');
    }
  });

  it('puts the load path in one chunk beside the entry when an app bundle splits code (load-path.ts)', async () => {
    const split = await build({
      entryPoints: [join(CLIENT_DIR, 'index.ts')],
      bundle: true,
      splitting: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      outdir: join(ROOT, 'dist-unused'),
      logLevel: 'silent',
    });
    const outputs = split.metafile.outputs;
    const [entry] = Object.entries(outputs).filter(([, output]) => output.entryPoint?.endsWith('index.ts'));
    const staticChunks = (entry?.[1].imports ?? []).filter(
      (i) => !i.external && i.kind === 'import-statement',
    );
    expect(staticChunks).toHaveLength(1);
    const shared = outputs[staticChunks[0]?.path as string];
    expect(shared?.imports.filter((i) => !i.external && i.kind === 'import-statement')).toEqual([]);
    expect(Object.keys(shared?.inputs ?? {})).toContain('src/client/loaded-manifest.ts');
  });

  it('loads the code of variants, segments and shadows (and their manifest check) only by dynamic import', () => {
    for (const target of ['src/client/pinned-manifest.ts', 'src/core/manifest-check-pins.ts']) {
      const importers = Object.entries(metafile.inputs).flatMap(([from, input]) =>
        input.imports.filter((i) => i.path === target).map((i) => ({ from, kind: i.kind })),
      );
      const fromLoadPath = importers.filter(({ from }) =>
        ['src/client/loaded-manifest.ts', 'src/client/manifest-text.ts', 'src/client/client.ts'].includes(
          from,
        ),
      );
      expect(
        fromLoadPath.every(({ kind }) => kind === 'dynamic-import'),
        target,
      ).toBe(true);
      // Reached at all: through a dynamic import of the load path or of a lazily loaded module.
      expect(importers.length, target).toBeGreaterThan(0);
    }
  });

  it('names nothing in lambda/, lib/, bin/, the CLI or local mode, not even in type imports', () => {
    const files = readdirSync(CLIENT_DIR, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .map((e) => join(e.parentPath, e.name));
    const specifier = /\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]/g;
    let relativeImports = 0;
    for (const file of files) {
      for (const match of readFileSync(file, 'utf8').matchAll(specifier)) {
        const spec = (match[1] ?? match[2]) as string;
        if (!spec.startsWith('.')) continue;
        relativeImports++;
        const target = relative(ROOT, resolve(file, '..', spec)).replaceAll('\\', '/');
        for (const dir of FORBIDDEN_DIRS) {
          expect(target.startsWith(dir), `${relative(ROOT, file)} imports ${spec}`).toBe(false);
        }
        expect(target.startsWith('src/client/') || target.startsWith('src/core/')).toBe(true);
      }
    }
    expect(relativeImports).toBeGreaterThan(20);
  });
});
