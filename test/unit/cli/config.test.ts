import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  environmentsOfOutputs,
  isLocalEndpoint,
  loadProjectConfig,
  readCdkOutputs,
  regionOfEndpoint,
  resolveTarget,
} from '../../../src/cli/config.ts';
import { CliError, UsageError } from '../../../src/cli/errors.ts';
import type { CliIo } from '../../../src/cli/io.ts';
import { capture, tempDir } from './support.ts';

const AWS_API = 'https://abc123.execute-api.eu-west-1.amazonaws.com/';

let dir: { path: string; remove: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(() => dir.remove());

const io = (cwd: string, env: Record<string, string> = {}): CliIo => ({
  stdout: capture(),
  stderr: capture(),
  env,
  cwd,
});
const write = async (path: string, value: unknown) => {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, typeof value === 'string' ? value : JSON.stringify(value));
};
const outputs = (apiUrl: string) => ({
  PromptOps: {
    ApiUrl: apiUrl,
    TableName: 't',
    AgentPathDev: '/applications/promptops/environments/dev/configurations/prompts',
    AgentPathProdEu: '/applications/promptops/environments/prod-eu/configurations/prompts',
  },
});

async function target(cwd: string, options: { endpoint?: string } = {}, env: Record<string, string> = {}) {
  return resolveTarget(options, await loadProjectConfig(cwd), io(cwd, env));
}

describe('Function: resolveTarget', () => {
  it('prefers --endpoint, then promptops.config.json, then cdk-outputs.json (docs/cli.md), then PROMPTOPS_API_ENDPOINT, then local endpoints.json', async () => {
    const root = dir.path;
    const env = { PROMPTOPS_API_ENDPOINT: 'http://127.0.0.1:5000' };
    await write(join(root, '.promptops', 'endpoints.json'), { api: 'http://127.0.0.1:4999' });
    expect((await target(root)).endpoint).toBe('http://127.0.0.1:4999');
    // The environment variable is a fallback: over local mode's endpoints.json, under both files.
    expect(await target(root, {}, env)).toMatchObject({
      endpoint: 'http://127.0.0.1:5000',
      source: 'PROMPTOPS_API_ENDPOINT',
    });
    await write(join(root, 'cdk-outputs.json'), outputs(AWS_API));
    for (const environment of [{}, env]) {
      expect(await target(root, {}, environment)).toMatchObject({
        endpoint: AWS_API.replace(/\/$/, ''),
        local: false,
        region: 'eu-west-1',
      });
    }
    await write(join(root, 'promptops.config.json'), { endpoint: 'http://localhost:4100' });
    for (const environment of [{}, env]) {
      expect(await target(root, {}, environment)).toMatchObject({
        endpoint: 'http://localhost:4100',
        local: true,
        source: join(root, 'promptops.config.json'),
      });
    }
    expect(await target(root, { endpoint: 'http://127.0.0.1:6000/' }, env)).toMatchObject({
      endpoint: 'http://127.0.0.1:6000',
      source: '--endpoint',
    });
  });

  it('takes PROMPTOPS_API_ENDPOINT when promptops.config.json names no endpoint and there is no cdk-outputs.json', async () => {
    await write(join(dir.path, 'promptops.config.json'), { environment: 'dev' });
    expect(
      (await target(dir.path, {}, { PROMPTOPS_API_ENDPOINT: 'https://prompts.example.com' })).endpoint,
    ).toBe('https://prompts.example.com');
    await expect(target(dir.path, {}, { PROMPTOPS_API_ENDPOINT: 'not a url' })).rejects.toThrow(
      /PROMPTOPS_API_ENDPOINT="not a url" is not an http or https URL/,
    );
  });

  it('finds the config file in a parent folder', async () => {
    await write(join(dir.path, 'promptops.config.json'), { endpoint: 'http://127.0.0.1:4100' });
    await mkdir(join(dir.path, 'a', 'b'), { recursive: true });
    expect((await target(join(dir.path, 'a', 'b'))).source).toBe(join(dir.path, 'promptops.config.json'));
  });

  it('takes the region from the URL, else the config, else AWS_REGION', async () => {
    expect((await target(dir.path, { endpoint: AWS_API })).region).toBe('eu-west-1');
    expect(
      (await target(dir.path, { endpoint: 'https://prompts.example.com' }, { AWS_REGION: 'ap-south-1' }))
        .region,
    ).toBe('ap-south-1');
    await write(join(dir.path, 'promptops.config.json'), { region: 'us-west-2' });
    expect(
      (await target(dir.path, { endpoint: 'https://prompts.example.com' }, { AWS_REGION: 'ap-south-1' }))
        .region,
    ).toBe('us-west-2');
  });

  it('says how to configure an endpoint when none is found', async () => {
    const error = await target(dir.path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toBe('No PromptOps API endpoint configured');
    expect((error as CliError).details.join(' ')).toMatch(
      /--endpoint.*promptops init.*cdk-outputs\.json.*promptops dev/,
    );
  });

  it('refuses an --endpoint that is not a URL as a usage error', async () => {
    await expect(target(dir.path, { endpoint: 'localhost:4100' })).rejects.toThrow(UsageError);
  });
});

describe('Function: loadProjectConfig', () => {
  it('names the file and every bad field', async () => {
    await write(join(dir.path, 'promptops.config.json'), {
      endpoint: 'ftp://x',
      environment: 'Prod',
      colour: 'red',
    });
    const error = (await loadProjectConfig(dir.path).catch((e: unknown) => e)) as CliError;
    expect(error.message).toBe(`${join(dir.path, 'promptops.config.json')} is not a valid PromptOps config`);
    expect(error.details).toEqual([
      'unknown key "colour" (known: endpoint, application, environment, environments, region, prompts, dataDir)',
      '"endpoint" must be an http or https URL, got "ftp://x"',
      '"environment" "Prod" is not a valid environment name',
    ]);
  });

  it('reports a file that is not JSON', async () => {
    await write(join(dir.path, 'promptops.config.json'), '{ endpoint: ');
    await expect(loadProjectConfig(dir.path)).rejects.toThrow(/promptops\.config\.json is not valid JSON/);
  });
});

describe('Function: readCdkOutputs', () => {
  it('reads the PromptOps stack and the environments of its AgentPath outputs', async () => {
    await write(join(dir.path, 'cdk-outputs.json'), {
      PromptOpsReplica: { Bucket: 'b' },
      ...outputs(AWS_API),
    });
    const found = await readCdkOutputs(dir.path);
    expect(found?.stack).toBe('PromptOps');
    expect(environmentsOfOutputs(found as NonNullable<typeof found>)).toEqual(['dev', 'prod-eu']);
  });

  it('takes the only stack with an ApiUrl whatever its name, and refuses to guess between several', async () => {
    await write(join(dir.path, 'cdk-outputs.json'), { MyApp: { ApiUrl: AWS_API } });
    expect((await readCdkOutputs(dir.path))?.stack).toBe('MyApp');
    await write(join(dir.path, 'cdk-outputs.json'), { A: { ApiUrl: AWS_API }, B: { ApiUrl: AWS_API } });
    await expect(readCdkOutputs(dir.path)).rejects.toThrow(/several stacks with an ApiUrl output: A, B/);
  });
});

describe('Function: isLocalEndpoint / regionOfEndpoint', () => {
  it('treats loopback hosts as local mode and everything else as AWS', () => {
    expect(isLocalEndpoint('http://127.0.0.1:4100')).toBe(true);
    expect(isLocalEndpoint('http://localhost:4100')).toBe(true);
    expect(isLocalEndpoint('http://[::1]:4100')).toBe(true);
    expect(isLocalEndpoint(AWS_API)).toBe(false);
    expect(isLocalEndpoint('http://10.0.0.5:4100')).toBe(false);
    expect(regionOfEndpoint(AWS_API)).toBe('eu-west-1');
    expect(regionOfEndpoint('https://prompts.example.com')).toBeUndefined();
  });
});
