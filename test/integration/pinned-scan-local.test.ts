/**
 * The scheduled scan in local mode: `POST /_local/scan` runs the stack's scan handler over the local
 * stores. The seeded examples (deployed to dev) carry prompt-injection warnings, so the run reports:
 * the notification is printed and answered, and one audit entry is written; an empty stack reports
 * nothing and writes nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningLocalMode, startLocalMode } from '../../src/local/local-mode.ts';

const dirs: string[] = [];
const running: RunningLocalMode[] = [];

async function start(seed: boolean, lines: string[]): Promise<RunningLocalMode> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'promptops-scan-'));
  dirs.push(dataDir);
  const local = await startLocalMode({ dataDir, port: 0, seed, log: (line) => lines.push(line) });
  running.push(local);
  return local;
}

async function request(local: RunningLocalMode, method: string, route: string) {
  const response = await fetch(`${local.endpoints.api}${route}`, { method });
  // biome-ignore lint/suspicious/noExplicitAny: arbitrary JSON bodies
  return { status: response.status, body: (await response.json()) as any };
}

afterAll(async () => {
  for (const local of running) await local.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('POST /_local/scan', () => {
  let seeded: RunningLocalMode;
  const lines: string[] = [];

  beforeAll(async () => {
    seeded = await start(true, lines);
  }, 60_000);

  it('re-lints the pinned seed versions, prints and answers the notification, and audits the run', async () => {
    const scan = await request(seeded, 'POST', '/_local/scan');
    expect(scan.status).toBe(200);
    expect(scan.body).toMatchObject({
      environments: seeded.endpoints.environments,
      reported: true,
      unreadable: 0,
    });
    expect(scan.body.versions).toBeGreaterThanOrEqual(3);
    expect(scan.body.warningCount).toBeGreaterThan(0);
    expect(scan.body.notification.subject).toMatch(
      /^PromptOps scan: 0 error\(s\), \d+ warning\(s\) in \d+ pinned version\(s\)$/,
    );
    expect(scan.body.notification.message).toMatch(
      /^dev {2}support-reply@1\.0\.0 {2}warning {2}injection-delimiters {2}line \d+: /m,
    );
    expect(lines.some((line) => line.startsWith(`scan: ${scan.body.notification.subject}`))).toBe(true);

    const audit = await request(seeded, 'GET', '/audit');
    const entries = audit.body.items.filter((e: { action: string }) => e.action === 'scan.findings');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor: 'promptops:pinned-scan',
      target: expect.stringContaining('dev'),
    });
  });

  it('answers 405 to anything but POST, and runs nothing', async () => {
    const before = (await request(seeded, 'GET', '/audit')).body.items.length;
    const scan = await request(seeded, 'GET', '/_local/scan');
    expect(scan.status).toBe(405);
    expect((await request(seeded, 'GET', '/audit')).body.items.length).toBe(before);
  });

  it('reports nothing and writes nothing when nothing is pinned', async () => {
    const quiet: string[] = [];
    const empty = await start(false, quiet);
    const scan = await request(empty, 'POST', '/_local/scan');
    expect(scan.body).toMatchObject({ versions: 0, errorCount: 0, warningCount: 0, reported: false });
    expect(scan.body.notification).toBeUndefined();
    expect((await request(empty, 'GET', '/audit')).body.items).toEqual([]);
    expect(quiet.some((line) => line.startsWith('scan:'))).toBe(false);
  }, 60_000);
});
