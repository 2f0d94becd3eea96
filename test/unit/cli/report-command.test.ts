import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSince } from '../../../src/cli/commands/report.ts';
import { fakeApi, run, tempDir } from './support.ts';

describe('Command: report', () => {
  let project: { path: string; remove: () => Promise<void> };
  beforeAll(async () => {
    project = await tempDir();
  });
  afterAll(async () => {
    await project.remove();
  });

  it.each([
    [['report', 'weekly'], /Unknown report "weekly": use one of release-plan, changelog, deployment/],
    [['report', 'changelog'], /report changelog needs <id>/],
    [['report', 'release-plan', 'support-reply'], /version/],
    [['report', 'deployment', 'support-reply', '--env', 'prod'], /report deployment takes no prompt/],
    [['report', 'model-compat', 'support-reply@1.0.0'], /needs --model/],
    [['report', 'changelog', 'x', '--format', 'pdf'], /Allowed choices are md, json, html/],
    [['report', 'deployment', '--env', 'prod', '--number', 'two'], /Give a deployment number/],
  ])('%j is a usage error (exit 2) before any request', async (argv, message) => {
    const api = await fakeApi(() => ({ status: 500 }));
    try {
      const result = await run([...argv, '--endpoint', api.url], { cwd: project.path });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(api.requests).toHaveLength(0);
    } finally {
      await api.close();
    }
  });

  it('writes a changelog read from the API to --out, and prints JSON with --json', async () => {
    const api = await fakeApi((request) => {
      if (request.url === '/prompts/pr')
        return { status: 200, body: { id: 'pr', latestVersion: '1.0.0', environments: { prod: '1.0.0' } } };
      if (request.url.startsWith('/prompts/pr/versions?'))
        return {
          status: 200,
          body: {
            items: [
              {
                version: '1.0.0',
                sha256: 'a',
                createdBy: 'alice',
                createdAt: '2026-11-01T00:00:00.000Z',
                message: 'First',
                approvals: [],
              },
            ],
          },
        };
      if (request.url === '/prompts/pr/versions/1.0.0')
        return {
          status: 200,
          body: { version: '1.0.0', bump: { level: 'major', reasons: ['first version'] } },
        };
      return { status: 404, body: { status: 404, code: 'NOT_FOUND', detail: request.url } };
    });
    try {
      const written = await run(
        ['report', 'changelog', 'pr', '--out', 'out/CHANGELOG.md', '--endpoint', api.url],
        { cwd: project.path },
      );
      expect(written.stderr).toBe('');
      expect(written.code).toBe(0);
      expect(written.stdout).toMatch(/wrote the changelog report \(md\) to .*out\/CHANGELOG\.md/);
      const json = await run(['report', 'changelog', 'pr', '--json', '--endpoint', api.url], {
        cwd: project.path,
      });
      expect(JSON.parse(json.stdout)).toMatchObject({
        kind: 'changelog',
        promptId: 'pr',
        versions: [
          { version: '1.0.0', message: 'First', deployedIn: [{ environment: 'prod', weight: 100 }] },
        ],
      });
    } finally {
      await api.close();
    }
  });
});

describe('Function: resolveSince', () => {
  const now = new Date('2026-11-20T12:00:00.000Z');
  it('reads 7d, 24h and 90m as times before now, and passes dates through', () => {
    expect(resolveSince('7d', now)).toBe('2026-11-13T12:00:00.000Z');
    expect(resolveSince('24h', now)).toBe('2026-11-19T12:00:00.000Z');
    expect(resolveSince('90m', now)).toBe('2026-11-20T10:30:00.000Z');
    expect(resolveSince('2026-11-01', now)).toBe('2026-11-01');
    expect(resolveSince(undefined, now)).toBeUndefined();
  });
});
