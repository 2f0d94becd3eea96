import { describe, expect, it } from 'vitest';
import { LocalEvaluationLauncher } from '../../../src/local/local-evaluations.ts';

const job = { promptId: 'p', version: '1.0.0', runId: '20261201T100000000Z-00000001' };

describe('LocalEvaluationLauncher', () => {
  it('runs the worker after the launch returns, and close waits for it', async () => {
    const launcher = new LocalEvaluationLauncher({ onError: () => undefined });
    const seen: string[] = [];
    launcher.setWorker(async (event) => {
      seen.push(`start ${event.runId}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      seen.push('end');
    });
    await launcher.launch(job);
    expect(seen).toEqual([]);
    expect(launcher.size).toBe(1);
    await launcher.close({ abort: false });
    expect(seen).toEqual([`start ${job.runId}`, 'end']);
    expect(launcher.size).toBe(0);
  });

  it('aborts running evaluations on close, reports worker failures, refuses launches after', async () => {
    const errors: unknown[] = [];
    const launcher = new LocalEvaluationLauncher({ onError: (error) => errors.push(error) });
    launcher.setWorker(
      (_event, _context) =>
        new Promise((_, reject) =>
          launcher.controller.signal.addEventListener('abort', () => reject(new Error('stopped'))),
        ),
    );
    await launcher.launch(job);
    await new Promise((resolve) => setImmediate(resolve));
    await launcher.close();
    expect(errors).toHaveLength(1);
    await expect(launcher.launch(job)).rejects.toThrow(/closing/);
  });

  it('refuses a launch before the worker is set', async () => {
    await expect(new LocalEvaluationLauncher({ onError: () => undefined }).launch(job)).rejects.toThrow(
      /not ready/,
    );
  });
});
