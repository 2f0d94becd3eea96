import { describe, expect, it } from 'vitest';
import { sinceTime } from '../../../src/core/incident.ts';
import { parseSettings, SettingsError } from '../../../src/core/settings.ts';

describe('Setting: rollbackAlarms (the rollback decision matrix)', () => {
  it('rolls back on all three alarms in every environment by default', () => {
    expect(parseSettings({}).rollbackAlarms).toEqual({
      dev: ['ErrorRate', 'P99Latency', 'NegativeFeedbackRate'],
      staging: ['ErrorRate', 'P99Latency', 'NegativeFeedbackRate'],
      prod: ['ErrorRate', 'P99Latency', 'NegativeFeedbackRate'],
    });
  });

  it('takes env=Alarm+Alarm pairs and JSON alike; environments left out keep all three', () => {
    const expected = {
      dev: ['ErrorRate'],
      staging: ['ErrorRate', 'P99Latency', 'NegativeFeedbackRate'],
      prod: ['ErrorRate', 'P99Latency'],
    };
    expect(
      parseSettings({ rollbackAlarms: 'dev=ErrorRate,prod=P99Latency+ErrorRate' }).rollbackAlarms,
    ).toEqual(expected);
    expect(
      parseSettings({ rollbackAlarms: '{"dev":["ErrorRate"],"prod":["ErrorRate","P99Latency"]}' })
        .rollbackAlarms,
    ).toEqual(expected);
  });

  it('refuses unknown alarms, unknown environments and an environment left with none, naming each', () => {
    const attempt = () => parseSettings({ rollbackAlarms: 'dev=ErrorRate+Latency,qa=ErrorRate,prod=none' });
    expect(attempt).toThrow(SettingsError);
    expect(attempt).toThrow(/"Latency" of "dev" is not one of ErrorRate, P99Latency, NegativeFeedbackRate/);
    expect(attempt).toThrow(/"qa" is not one of the environments/);
    expect(attempt).toThrow(/"prod" must keep at least one rollback alarm/);
  });
});

describe('Setting: runbookBaseUrl', () => {
  it('keeps an https URL without its trailing slash and refuses anything else', () => {
    expect(parseSettings({ runbookBaseUrl: 'https://wiki.example.com/runbooks/' }).runbookBaseUrl).toBe(
      'https://wiki.example.com/runbooks',
    );
    expect(() => parseSettings({ runbookBaseUrl: 'ftp://x' })).toThrow(
      /runbookBaseUrl: must be an https:\/\/ URL/,
    );
  });
});

describe('Function: sinceTime', () => {
  const now = new Date('2026-12-01T12:00:00.000Z');
  it('reads durations and ISO times, and defaults to the last hour', () => {
    expect(sinceTime('30m', now).toISOString()).toBe('2026-12-01T11:30:00.000Z');
    expect(sinceTime('2d', now).toISOString()).toBe('2026-11-29T12:00:00.000Z');
    expect(sinceTime(undefined, now).toISOString()).toBe('2026-12-01T11:00:00.000Z');
    expect(sinceTime('2026-12-01T10:00:00Z', now).toISOString()).toBe('2026-12-01T10:00:00.000Z');
  });
  it('refuses anything else with a 400', () => {
    expect(() => sinceTime('yesterday', now)).toThrow(/since must be a duration such as 30m/);
  });
});
