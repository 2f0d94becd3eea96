/**
 * Shadow deployments in the stack (docs/shadows.md): the rollback alarms read only the environment
 * roll-up, which shadow metrics never carry, and the dashboard shows primary against shadow per prompt.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIMENSION, METRIC_NAMESPACE } from '../../src/core/metrics.ts';
import { ROLE_DIMENSION, SHADOW_DIMENSION_SET } from '../../src/core/shadow-metrics.ts';
import { buildPromptOps, FIXTURE_HANDLER } from './support.ts';

/** The dashboard's widgets, with CloudFormation values in its body replaced by a placeholder. */
function dashboardWidgets(
  template: Template,
): { type: string; properties: { title?: string; metrics?: unknown[][] } }[] {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  const body = dashboard?.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] };
  const text = body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  return JSON.parse(text).widgets;
}

describe('Shadow metrics in the stack', () => {
  let template: Template;

  beforeAll(() => {
    ({ template } = buildPromptOps({ environments: ['dev', 'prod'] }, (p) => {
      p.addApiHandler('query', { entry: FIXTURE_HANDLER, routes: [{ method: 'GET', path: '/prompts' }] });
    }));
  });

  it('the rollback alarms read metrics with the Environment dimension alone, which shadow outcomes never carry', () => {
    expect(SHADOW_DIMENSION_SET).not.toEqual([DIMENSION.environment]);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) {
      const stats = (
        (alarm.Properties.Metrics ?? []) as { MetricStat?: { Metric: { Dimensions: { Name: string }[] } } }[]
      )
        .map((m) => m.MetricStat)
        .filter((m) => m !== undefined);
      const dimensions = [
        ...stats.map((s) => s.Metric.Dimensions.map((d) => d.Name)),
        ...((alarm.Properties.Dimensions as { Name: string }[] | undefined)
          ? [(alarm.Properties.Dimensions as { Name: string }[]).map((d) => d.Name)]
          : []),
      ];
      for (const names of dimensions) expect(names).not.toContain(ROLE_DIMENSION);
    }
  });

  it('shows primary against shadow per prompt version in each environment: errors, p99, cost', () => {
    const widgets = dashboardWidgets(template);
    for (const env of ['dev', 'prod']) {
      const shadow = widgets.filter((w) => w.properties.title?.startsWith(`${env}: primary vs shadow`));
      expect(shadow.map((w) => w.properties.title)).toEqual([
        `${env}: primary vs shadow, error rate % per prompt version`,
        `${env}: primary vs shadow, p99 latency ms per prompt version`,
        `${env}: primary vs shadow, cost USD per prompt version`,
      ]);
      const metrics = JSON.stringify(shadow.map((w) => w.properties.metrics));
      const primary = `{${METRIC_NAMESPACE},${DIMENSION.environment},${DIMENSION.promptId},${DIMENSION.promptVersion}} ${DIMENSION.environment}=\\"${env}\\"`;
      const candidate = `{${METRIC_NAMESPACE},${DIMENSION.environment},${DIMENSION.promptId},${DIMENSION.promptVersion},${ROLE_DIMENSION}} ${DIMENSION.environment}=\\"${env}\\" ${ROLE_DIMENSION}=\\"shadow\\"`;
      expect(metrics).toContain(`SEARCH('${primary} MetricName=\\"Errors\\"', 'Average', 300)`);
      expect(metrics).toContain(`SEARCH('${candidate} MetricName=\\"Errors\\"', 'Average', 300)`);
      expect(metrics).toContain(`SEARCH('${candidate} MetricName=\\"Latency\\"', 'p99', 300)`);
      expect(metrics).toContain(`SEARCH('${candidate} MetricName=\\"Cost\\"', 'Sum', 300)`);
      expect(metrics).toContain('shadow ${PROP');
      expect(metrics).toContain('primary ${PROP');
    }
  });
});
