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
    [
      ['report', 'feedback', 'pr', '--env', 'prod', '--segment', 'Beta'],
      /--segment "Beta" is not a segment name/,
    ],
    [
      ['report', 'performance', 'pr', '--env', 'prod', '--segment', 'beta'],
      /--segment applies to report feedback only/,
    ],
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

describe('Command: report feedback --segment', () => {
  it('reads only the items route, with segment= on every page, and says the report is filtered', async () => {
    const project = await tempDir();
    const api = await fakeApi((request) => {
      const url = new URL(request.url, 'http://x');
      if (url.pathname === '/prompts/pr/feedback/items' && url.searchParams.get('segment') === 'beta')
        return url.searchParams.get('cursor') === null
          ? {
              status: 200,
              body: {
                environment: 'prod',
                items: [
                  {
                    id: 'a',
                    version: '1.1.0',
                    at: '2026-11-19T09:00:00.000Z',
                    scale: 'thumbs',
                    rating: 1,
                    sentiment: 'positive',
                    segment: 'beta',
                  },
                ],
                nextCursor: 'next',
              },
            }
          : {
              status: 200,
              body: {
                environment: 'prod',
                items: [
                  {
                    id: 'b',
                    version: '1.1.0',
                    at: '2026-11-18T09:00:00.000Z',
                    scale: 'thumbs',
                    rating: -1,
                    sentiment: 'negative',
                    comment: 'No',
                    segment: 'beta',
                  },
                ],
              },
            };
      return { status: 404, body: { status: 404, code: 'NOT_FOUND', detail: request.url } };
    });
    try {
      const result = await run(
        ['report', 'feedback', 'pr', '--env', 'prod', '--segment', 'beta', '--json', '--endpoint', api.url],
        { cwd: project.path },
      );
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout);
      expect(report.segment).toEqual({ name: 'beta', itemsRead: 2, complete: true });
      expect(report.versions).toMatchObject([{ version: '1.1.0', count: 2, positive: 1, negative: 1 }]);
      expect(report.comments.read).toBe(1);
      expect(api.requests.map((r) => new URL(r.url, 'http://x').pathname)).toEqual([
        '/prompts/pr/feedback/items',
        '/prompts/pr/feedback/items',
      ]);
    } finally {
      await api.close();
      await project.remove();
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
