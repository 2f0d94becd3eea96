import { describe, expect, it } from 'vitest';
import {
  alarmExpression,
  compositeAlarmState,
  environmentDimensions,
  evaluateAlarm,
  LATENCY_ANOMALY_RULE,
  type PeriodStatistics,
  periodValue,
  rollbackAlarmRules,
  type ThresholdAlarmRule,
} from '../../../src/core/alarms.ts';
import { DIMENSION, DIMENSION_SETS, METRICS } from '../../../src/core/metrics.ts';
import { parseSettings } from '../../../src/core/settings.ts';

const thresholds = parseSettings({
  alarmErrorRatePercent: 5,
  alarmP99LatencyMs: 2000,
  alarmNegativeFeedbackPercent: 30,
  alarmMinimumSamples: 20,
});
const rules = rollbackAlarmRules(thresholds);
const rule = (name: ThresholdAlarmRule['name']) => rules.find((r) => r.name === name)!;

describe('Function: rollbackAlarmRules', () => {
  it('defines error rate, p99 latency and negative feedback on the metrics.ts names', () => {
    expect(rules.map((r) => [r.name, r.kind, r.metric, r.statistic, r.sampleMetric, r.threshold])).toEqual([
      ['ErrorRate', 'ratio', METRICS.errors, 'Sum', METRICS.invocations, 5],
      ['P99Latency', 'percentile', METRICS.latency, 'p99', METRICS.invocations, 2000],
      ['NegativeFeedbackRate', 'ratio', METRICS.negativeFeedback, 'Sum', METRICS.feedbackCount, 30],
    ]);
  });

  it('gives every rule the minimum sample and an M-of-N evaluation', () => {
    for (const r of rules) {
      expect(r.minimumSamples).toBe(20);
      expect(r.datapointsToAlarm).toBeLessThanOrEqual(r.evaluationPeriods);
      expect(r.datapointsToAlarm).toBeGreaterThan(1);
    }
  });
});

describe('Function: alarmExpression', () => {
  it('is a percentage guarded by the minimum sample for ratio rules', () => {
    expect(alarmExpression(rule('ErrorRate'))).toBe('IF(samples >= 20, 100 * FILL(value, 0) / samples, 0)');
  });

  it('is the percentile itself, guarded by the minimum sample, for percentile rules', () => {
    expect(alarmExpression(rule('P99Latency'))).toBe('IF(samples >= 20, value, 0)');
  });
});

describe('Function: periodValue', () => {
  it('mirrors the expression: no samples is no datapoint, too few samples is 0', () => {
    const errorRate = rule('ErrorRate');
    expect(periodValue(errorRate, {})).toBeUndefined();
    expect(periodValue(errorRate, { samples: 3, value: 3 })).toBe(0);
    expect(periodValue(errorRate, { samples: 40, value: 4 })).toBe(10);
    expect(periodValue(errorRate, { samples: 40 })).toBe(0);
    expect(periodValue(rule('P99Latency'), { samples: 25, value: 1800 })).toBe(1800);
    expect(periodValue(rule('P99Latency'), { samples: 25 })).toBeUndefined();
  });
});

describe('Function: evaluateAlarm', () => {
  const errorRate = rule('ErrorRate');
  const breaching: PeriodStatistics = { samples: 100, value: 50 };
  const healthy: PeriodStatistics = { samples: 100, value: 1 };

  it('alarms when enough of the recent periods breach', () => {
    expect(evaluateAlarm(errorRate, [healthy, breaching, breaching, healthy, breaching])).toBe('ALARM');
  });

  it('stays OK with fewer breaching periods than datapointsToAlarm', () => {
    expect(evaluateAlarm(errorRate, [healthy, breaching, healthy, healthy, breaching])).toBe('OK');
  });

  it('looks only at the last evaluationPeriods periods', () => {
    const old = Array.from({ length: 10 }, () => breaching);
    expect(evaluateAlarm(errorRate, [...old, ...Array.from({ length: 5 }, () => healthy)])).toBe('OK');
  });

  it('never alarms on a single failed request: below the minimum sample nothing breaches', () => {
    const oneFailure: PeriodStatistics = { samples: 1, value: 1 };
    expect(
      evaluateAlarm(
        errorRate,
        Array.from({ length: 5 }, () => oneFailure),
      ),
    ).toBe('OK');
  });

  it('treats missing periods as not breaching', () => {
    expect(evaluateAlarm(errorRate, [{}, {}, {}, {}, {}])).toBe('OK');
  });

  it('alarms on latency above the threshold', () => {
    const slow: PeriodStatistics = { samples: 50, value: 2500 };
    expect(evaluateAlarm(rule('P99Latency'), [slow, slow, slow])).toBe('ALARM');
  });
});

describe('Function: compositeAlarmState', () => {
  it('is ALARM when any rule is', () => {
    expect(compositeAlarmState(['OK', 'ALARM', 'OK'])).toBe('ALARM');
    expect(compositeAlarmState(['OK', 'OK'])).toBe('OK');
  });
});

describe('environment roll-up', () => {
  it('reads one of the EMF dimension sets', () => {
    const dims = Object.keys(environmentDimensions('prod'));
    expect(DIMENSION_SETS).toContainEqual(dims);
    expect(environmentDimensions('prod')).toEqual({ [DIMENSION.environment]: 'prod' });
  });

  it('watches latency for anomalies without rolling back', () => {
    expect(LATENCY_ANOMALY_RULE.metric).toBe(METRICS.latency);
    expect(rules.map((r) => r.name)).not.toContain(LATENCY_ANOMALY_RULE.name);
  });
});
