import { afterEach, describe, expect, it, vi } from 'vitest';
import { startLocalReminders } from '../../../src/local/local-reminders.ts';
import { seedVersion } from '../../fixtures/delivery-setup.ts';
import { memoryRegistry } from '../../fixtures/registry-fakes.ts';

afterEach(() => vi.useRealTimers());

describe('Function: startLocalReminders', () => {
  it('runs the reminder once a time-scaled day and logs what the owners topic would get', async () => {
    vi.useFakeTimers({ now: new Date('2026-12-01T00:00:00.000Z') });
    const registry = memoryRegistry();
    await seedVersion(registry, 'support-reply', '1.0.0');
    const key = 'support-reply@1.0.0';
    const record = registry.prompts.versions.get(key);
    if (record) registry.prompts.versions.set(key, { ...record, createdAt: '2026-01-01T00:00:00.000Z' });
    registry.prompts.pins.set('prod', { 'support-reply': '1.0.0' });
    const lines: string[] = [];
    const stop = startLocalReminders({
      deps: { ...registry, now: () => new Date('2026-12-01T00:00:00.000Z') },
      settings: { environments: ['prod'], reviewEveryDays: 180, retirements: [] },
      timeScale: 1440,
      log: (line) => lines.push(line),
    });
    // A day at time scale 1440 is a minute: nothing before it.
    await vi.advanceTimersByTimeAsync(59_000);
    expect(lines).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    await stop();
    expect(lines[0]).toBe("owners' topic (unowned): PromptOps: 1 prompt version due for review (unowned)");
    expect(lines).toContain('  - support-reply@1.0.0 in prod');
  });
});
