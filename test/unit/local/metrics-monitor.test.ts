import { describe, expect, it } from 'vitest';
import { emfDocument } from '../../../src/core/metrics.ts';
import { MetricsMonitor } from '../../../src/local/metrics-monitor.ts';

const thresholds = {
  alarmErrorRatePercent: 5,
  alarmP99LatencyMs: 1000,
  alarmNegativeFeedbackPercent: 30,
  alarmMinimumSamples: 10,
};

function monitorAt(clock: { now: number }) {
  // Time scale 60: one-second periods, as local mode runs a one-minute period.
  return new MetricsMonitor({ thresholds, timeScale: 60, now: () => clock.now });
}

const dims = (environment: string) => ({ environment, promptId: 'support-reply', promptVersion: '1.1.0' });

function outcomes(
  monitor: MetricsMonitor,
  clock: { now: number },
  environment: string,
  count: number,
  values: { error?: boolean; latency?: number },
) {
  for (let i = 0; i < count; i++) {
    monitor.ingest(
      emfDocument(
        dims(environment),
        { invocations: 1, errors: values.error ? 1 : 0, latency: values.latency ?? 100 },
        clock.now,
      ),
    );
  }
}

/** Three one-second periods at a 20% error rate, the clock left in the last of them. */
function breachErrorRate(monitor: MetricsMonitor, clock: { now: number }, environment: string) {
  for (let s = 0; s < 3; s++) {
    outcomes(monitor, clock, environment, 20, { error: false });
    outcomes(monitor, clock, environment, 5, { error: true });
    clock.now += 1000;
  }
  clock.now -= 1000;
}

describe('Class: MetricsMonitor', () => {
  it('stamps a state change when it is first seen, so a later poll keeps the alarm before the rollback it caused', () => {
    const clock = { now: 3_000_000 };
    const monitor = monitorAt(clock);
    breachErrorRate(monitor, clock, 'prod');
    // The deployment's tick sees the alarm first (and rolls back); the notifier polls 400 ms later.
    expect(monitor.firedAlarm('prod')?.alarmName).toBe('promptops-prod-ErrorRate');
    const firedAt = clock.now;
    clock.now += 400;
    const errorRate = monitor.status('prod').find((a) => a.name === 'promptops-prod-ErrorRate');
    expect(errorRate).toMatchObject({ state: 'ALARM', since: firedAt });
    const latency = monitor.status('prod').find((a) => a.name === 'promptops-prod-P99Latency');
    expect(latency?.state).toBe('OK');
  });

  it('stays OK below the minimum samples, however bad the samples are', () => {
    const clock = { now: 1_000_000 };
    const monitor = monitorAt(clock);
    for (let s = 0; s < 5; s++) {
      outcomes(monitor, clock, 'dev', 5, { error: true });
      clock.now += 1000;
    }
    expect(monitor.firedAlarm('dev')).toBeUndefined();
    expect(monitor.status('dev').every((a) => a.state === 'OK')).toBe(true);
  });

  it('fires the error-rate alarm when 3 of the last 5 periods breach, naming it and the rate', () => {
    const clock = { now: 2_000_000 };
    const monitor = monitorAt(clock);
    breachErrorRate(monitor, clock, 'prod');
    const fired = monitor.firedAlarm('prod');
    expect(fired).toEqual({
      alarmName: 'promptops-prod-ErrorRate',
      alarmArn: 'arn:aws:cloudwatch:local:000000000000:alarm:promptops-prod-ErrorRate',
      reason: 'Errors above 5% of invocations: 20.0% in 3 of the last 5 periods',
    });
    expect(monitor.firedAlarm('dev')).toBeUndefined();
  });

  it('fires the p99 latency alarm on slow outcomes', () => {
    const clock = { now: 3_000_000 };
    const monitor = monitorAt(clock);
    for (let s = 0; s < 3; s++) {
      outcomes(monitor, clock, 'staging', 30, { latency: 2500 });
      clock.now += 1000;
    }
    clock.now -= 1000;
    expect(monitor.firedAlarm('staging')?.alarmName).toBe('promptops-staging-P99Latency');
  });

  it('fires the negative-feedback alarm from feedback metrics', () => {
    const clock = { now: 4_000_000 };
    const monitor = monitorAt(clock);
    for (let s = 0; s < 3; s++) {
      for (let i = 0; i < 20; i++) {
        monitor.ingest(
          emfDocument(
            dims('prod'),
            { feedbackCount: 1, negativeFeedback: i < 10 ? 1 : 0, feedbackRating: -1 },
            clock.now,
          ),
        );
      }
      clock.now += 1000;
    }
    clock.now -= 1000;
    expect(monitor.firedAlarm('prod')?.alarmName).toBe('promptops-prod-NegativeFeedbackRate');
  });

  it('forgets breaches older than the evaluation window', () => {
    const clock = { now: 5_000_000 };
    const monitor = monitorAt(clock);
    for (let s = 0; s < 3; s++) {
      outcomes(monitor, clock, 'dev', 20, { error: true });
      clock.now += 1000;
    }
    clock.now += 10_000;
    expect(monitor.firedAlarm('dev')).toBeUndefined();
  });

  it('takes EMF lines from text and ignores anything else', () => {
    const clock = { now: 6_000_000 };
    const monitor = monitorAt(clock);
    const line = JSON.stringify(emfDocument(dims('dev'), { invocations: 1 }, clock.now));
    expect(monitor.ingestLines(`starting\n${line}\n{"not":"emf"}\n{broken\n${line}`)).toBe(2);
    expect(
      monitor.ingest({
        _aws: { CloudWatchMetrics: [{ Namespace: 'Other', Metrics: [{ Name: 'X' }] }] },
        Environment: 'dev',
        X: 1,
      }),
    ).toBe(false);
  });
});
