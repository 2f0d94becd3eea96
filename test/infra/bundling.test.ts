import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleHandler } from '../../bench/lambda-bundles.ts';
import { PINNED_SCAN_BUNDLE_BUDGET_KB } from '../../bench/pinned-scan.bench.ts';
import { PromptApi } from '../../lib/constructs/prompt-api.ts';
import { FIXTURE_HANDLER, testApp, testStack } from './support.ts';

describe('handler bundling (esbuild, no Docker)', () => {
  let assetDir: string;

  beforeAll(() => {
    const app = testApp({}, { bundle: true });
    const stack = testStack(app);
    new PromptApi(stack, 'Api').addHandler('fixture', {
      entry: FIXTURE_HANDLER,
      routes: [{ method: 'GET', path: '/fixture' }],
    });
    const template = Template.fromStack(stack);
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    const key = fn?.Properties.Code.S3Key as string;
    assetDir = path.join(app.outdir, `asset.${key.replace(/\.zip$/, '')}`);
  }, 60_000);

  it('produces a minified ES module with its source map', () => {
    const code = readFileSync(path.join(assetDir, 'index.mjs'), 'utf8');
    expect(existsSync(path.join(assetDir, 'index.mjs.map'))).toBe(true);
    // The banner defines require() for CommonJS dependencies inside the ES module.
    expect(
      code.startsWith("import { createRequire } from 'node:module'; const require = createRequire("),
    ).toBe(true);
    expect(code).toContain('export{');
    expect(code).toContain('//# sourceMappingURL=index.mjs.map');
    expect(code.split('\n').length).toBeLessThan(6);
  });

  it('maps back to the TypeScript source without embedding it', () => {
    const map = JSON.parse(readFileSync(path.join(assetDir, 'index.mjs.map'), 'utf8'));
    expect(map.sources.some((source: string) => source.endsWith('test/fixtures/infra-handler.ts'))).toBe(
      true,
    );
    expect(map.sourcesContent).toBeUndefined();
  });

  // Sizes, not times: the bundle is what Lambda loads at every cold start (README, "Performance budgets").
  it('keeps the pinned-scan handler within its bundle budget', async () => {
    const { bytes } = await bundleHandler('pinned-scan');
    expect(bytes / 1024).toBeLessThan(PINNED_SCAN_BUNDLE_BUDGET_KB);
  }, 60_000);

  // The deploy function's rollback, status and incident routes never read a body: the S3 SDK is a
  // dynamic import there, loaded by the first deployment (docs/architecture.md "Cold starts").
  it("leaves the S3 SDK out of the deploy handler's static imports", async () => {
    const { file } = await bundleHandler('deploy');
    const code = readFileSync(file, 'utf8');
    expect(code).not.toMatch(/from\s*"@aws-sdk\/client-s3"/);
    expect(code).toMatch(/import\("@aws-sdk\/client-s3"\)/);
    expect(code).toMatch(/from\s*"@aws-sdk\/client-appconfig"/);
  }, 60_000);
});
