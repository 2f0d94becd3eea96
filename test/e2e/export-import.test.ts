/**
 * export -> import into a fresh local stack -> every GET answers the same; a tampered archive is
 * refused with nothing written; importing twice changes nothing; an import that would overwrite
 * different data is refused.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningLocalMode } from '../../src/local/local-mode.ts';
import { call, promptops, promptopsJson, startStack, tempDir } from './support.ts';

const KINDS = [
  'document',
  'version',
  'prompt',
  'revision',
  'environment',
  'audit',
  'feedback-aggregate',
  'feedback',
];

let project: { path: string; remove: () => Promise<void> };
let source: RunningLocalMode;
let target: RunningLocalMode;
let targetRoot: { path: string; remove: () => Promise<void> };
let targetDir: string;
const cli = (...args: string[]) => promptops(args, { cwd: project.path });
const cliJson = (args: string[], code = 0) => promptopsJson(args, { cwd: project.path, code });

/** Every GET a client of the registry can make, answered by one stack. */
async function registryView(api: string): Promise<Record<string, unknown>> {
  const view: Record<string, unknown> = {};
  const get = async (path: string) => {
    const answer = await call(api, 'GET', path);
    view[path] = answer;
    return answer.body;
  };
  const prompts = await get('/prompts?limit=100');
  for (const { id } of prompts.items as { id: string }[]) {
    await get(`/prompts/${id}`);
    const versions = await get(`/prompts/${id}/versions?limit=100`);
    for (const { version } of versions.items as { version: string }[])
      await get(`/prompts/${id}/versions/${version}`);
    await get(`/prompts/${id}/feedback?environment=dev`);
    await get(`/audit?promptId=${id}&limit=100`);
  }
  await get('/audit?limit=100');
  for (const environment of ['dev', 'staging', 'prod']) {
    const {
      revision,
      prompts: pins,
      history,
    } = (await call(api, 'GET', `/environments/${environment}`)).body;
    // The deployment itself is AppConfig's and stays with the source stack; pins and history travel.
    view[`/environments/${environment}`] = { revision, pins, history };
  }
  return view;
}

beforeAll(async () => {
  project = await tempDir('promptops-e2e-archive-');
  // The source: the seeded examples (published, approved, deployed to dev), one more version and feedback.
  source = await startStack(join(project.path, '.promptops'), { seed: true });
  targetRoot = await tempDir('promptops-e2e-target-');
  targetDir = join(targetRoot.path, 'data');
  target = await startStack(targetDir);
  await writeFile(
    join(project.path, 'promptops.config.json'),
    JSON.stringify({ endpoint: source.endpoints.api, environment: 'dev' }),
  );
  const example = await readFile(
    new URL('../../examples/prompts/support-reply.prompt.md', import.meta.url),
    'utf8',
  );
  await writeFile(
    join(project.path, 'support-reply.prompt.md'),
    example.replace('Never promise refunds.', 'Never promise refunds or discounts.'),
  );
  expect((await cli('publish', 'support-reply.prompt.md', '-m', 'No discounts')).code).toBe(0);
  expect((await cli('approve', 'support-reply@1.0.1', '--user', 'local:reviewer')).code).toBe(0);
  for (const rating of [1, 1, -1]) {
    expect(
      (
        await call(source.endpoints.api, 'POST', '/feedback', {
          promptId: 'support-reply',
          version: '1.0.0',
          environment: 'dev',
          rating,
        })
      ).status,
    ).toBe(202);
  }
});

afterAll(async () => {
  await source?.close();
  await target?.close();
  await project?.remove();
  await targetRoot?.remove();
});

describe('promptops export and import', () => {
  it('export writes every kind of entry with its checksum', async () => {
    const { json } = await cliJson(['export', '--out', 'backup.json']);
    expect(json.file).toBe(join(project.path, 'backup.json'));
    for (const kind of KINDS) expect(json.counts[kind], kind).toBeGreaterThan(0);
    expect(json.counts).toMatchObject({
      prompt: 3,
      version: 4,
      document: 4,
      feedback: 3,
    });
    // The three posts' day is counted in up to 16 shards (docs/architecture.md "Sharded feedback
    // aggregates"): one aggregate entry per shard a post landed on.
    expect(json.counts['feedback-aggregate']).toBeGreaterThanOrEqual(1);
    expect(json.counts['feedback-aggregate']).toBeLessThanOrEqual(3);
    const archive = JSON.parse(await readFile(join(project.path, 'backup.json'), 'utf8'));
    expect(Object.keys(archive.checksums)).toHaveLength(json.entries);
    expect(archive.archiveChecksum).toBe(json.archiveChecksum);
  });

  it('a tampered archive is refused before anything is written', async () => {
    const text = await readFile(join(project.path, 'backup.json'), 'utf8');
    await writeFile(
      join(project.path, 'tampered.json'),
      text.replace('"createdBy":"local:developer"', '"createdBy":"local:mallory"'),
    );
    const refused = await cli('import', 'tampered.json', '--data-dir', targetDir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^error: tampered\.json: The archive failed verification; nothing was written$/m,
    );
    expect(refused.stderr).toMatch(
      /^ {2}version:[\w-]+@[\d.]+: checksum mismatch \(the entry was changed\)$/m,
    );
    await writeFile(join(project.path, 'truncated.json'), text.slice(0, text.length / 2));
    const truncated = await cliJson(['import', 'truncated.json', '--data-dir', targetDir], 1);
    expect(truncated.json.error.code).toBe('ARCHIVE_INVALID');
    expect((await call(target.endpoints.api, 'GET', '/prompts')).body).toEqual({ items: [] });
    expect((await call(target.endpoints.api, 'GET', '/audit')).body).toEqual({ items: [] });
  });

  it('--dry-run verifies and counts without writing', async () => {
    const { json } = await cliJson(['import', 'backup.json', '--data-dir', targetDir, '--dry-run']);
    expect(json).toMatchObject({ dryRun: true, written: 0, unchanged: 0 });
    expect(json.wouldWrite).toBe(json.entries);
    expect((await call(target.endpoints.api, 'GET', '/prompts')).body).toEqual({ items: [] });
  });

  it('import into an empty stack gives identical answers for every prompt and version', async () => {
    const imported = await cli('import', 'backup.json', '--data-dir', targetDir);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/^Verified (\d+) entries; wrote \1 to local mode/m);
    expect(imported.stdout).toMatch(/^version +4 +4 +0$/m);
    const before = await registryView(source.endpoints.api);
    expect(Object.keys(before).length).toBeGreaterThan(20);
    expect(await registryView(target.endpoints.api)).toEqual(before);
  });

  it('importing the same archive again changes nothing', async () => {
    const again = await cliJson(['import', 'backup.json', '--data-dir', targetDir]);
    expect(again.json.written).toBe(0);
    expect(again.json.unchanged).toBe(again.json.entries);
    for (const kind of KINDS) expect(again.json.counts[kind].written, kind).toBe(0);
    expect(await registryView(target.endpoints.api)).toEqual(await registryView(source.endpoints.api));
  });

  it('refuses to overwrite data that differs, and writes nothing', async () => {
    // The source moves on: its summary of support-reply now names 1.0.2.
    await writeFile(
      join(project.path, 'support-reply.prompt.md'),
      (await readFile(join(project.path, 'support-reply.prompt.md'), 'utf8')).replace(
        'discounts',
        'vouchers',
      ),
    );
    expect((await cli('publish', 'support-reply.prompt.md')).code).toBe(0);
    const before = await registryView(source.endpoints.api);
    const refused = await cli('import', 'backup.json');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^error: Import refused: 1 entry differs from what local mode .* holds; nothing was written$/m,
    );
    expect(refused.stderr).toContain('  prompt:support-reply: the target holds a different item');
    expect(await registryView(source.endpoints.api)).toEqual(before);
  });
});
