import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createNotifierHandler } from '../../../lambda/handlers/notifier.ts';
import type { NotifierConfig } from '../../../lambda/notifications/deps.ts';
import type { NotifierDeps } from '../../../lambda/notifications/notify.ts';
import type { IncidentEventStore, NotificationLedger } from '../../../lambda/notifications/ports.ts';
import type { RecordedEvent } from '../../../src/core/incident.ts';
import type { Notification } from '../../../src/core/notification.ts';
import { MemoryEnvironmentStore } from '../../fixtures/delivery-fakes.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(path.join(import.meta.dirname, '../../fixtures/events', name), 'utf8')) as Record<
    string,
    unknown
  >;

/** The ledger's semantics (claim once; a release lets the retry claim), kept in memory. */
class MemoryLedger implements NotificationLedger {
  readonly items = new Map<string, string>();
  async claim(id: string): Promise<'claimed' | 'sent' | 'in-progress'> {
    const status = this.items.get(id);
    if (status === 'SENT') return 'sent';
    if (status === 'SENDING') return 'in-progress';
    this.items.set(id, 'SENDING');
    return 'claimed';
  }
  async markSent(id: string): Promise<void> {
    this.items.set(id, 'SENT');
  }
  async release(id: string): Promise<void> {
    this.items.set(id, 'RELEASED');
  }
}

class MemoryEvents implements IncidentEventStore {
  readonly items = new Map<string, RecordedEvent>();
  async record(environment: string, id: string, event: RecordedEvent): Promise<void> {
    this.items.set(`${environment}#${event.at}#${id}`, event);
  }
  async list(): Promise<RecordedEvent[]> {
    return [...this.items.values()];
  }
}

const context = {} as never;

async function setup(options: { failPublish?: number } = {}) {
  const environments = new MemoryEnvironmentStore();
  environments.states.set('prod', {
    environment: 'prod',
    revision: 3,
    lastRevision: 3,
    pins: { 'support-reply': '1.3.0' },
    deployment: {
      number: 7,
      state: 'ROLLED_BACK',
      strategy: 'Canary10Percent20Minutes',
      revision: 3,
      previousRevision: 2,
      startedAt: '2026-12-01T17:00:00.000Z',
      startedBy: 'arn:aws:iam::123456789012:user/alice',
      reason: 'Alarm promptops-prod-Rollback in ALARM',
    },
  });
  for (const [revision, version] of [
    [2, '1.2.0'],
    [3, '1.3.0'],
  ] as const) {
    await environments.putRevision({
      environment: 'prod',
      revision,
      kind: 'deploy',
      pins: { 'support-reply': version },
      deploymentNumber: revision + 4,
      strategy: 'Canary10Percent20Minutes',
      state: revision === 3 ? 'ROLLED_BACK' : 'COMPLETE',
      createdBy: 'alice',
      createdAt: '2026-12-01T17:00:00.000Z',
      hostedVersion: revision,
    });
  }
  const published: Notification[] = [];
  let failures = options.failPublish ?? 0;
  const ledger = new MemoryLedger();
  const events = new MemoryEvents();
  const config: NotifierConfig = {
    applicationId: 'app123',
    environmentIds: { dev: 'envdev', prod: 'envprod' },
    environments: ['dev', 'prod'],
    application: 'promptops',
  };
  const deps: NotifierDeps & { config: NotifierConfig } = {
    enrichment: {
      environments,
      prompts: {
        getVersion: async (_id: string, version: string) =>
          version === '1.3.0' ? { approvals: [{ by: 'bob', at: '2026-12-01T16:00:00.000Z' }] } : undefined,
      } as never,
      delivery: {
        getDeployment: async () => ({
          number: 7,
          state: 'ROLLED_BACK',
          percentage: 10,
          strategyId: 'AppConfig.Canary10Percent20Minutes',
          configurationVersion: '12',
          reason: 'Alarm promptops-prod-Rollback in ALARM',
          triggeredBy: 'CLOUDWATCH_ALARM',
        }),
      },
      environmentIds: config.environmentIds,
      rollbackAlarms: { dev: ['ErrorRate'], prod: ['ErrorRate', 'P99Latency', 'NegativeFeedbackRate'] },
    },
    ledger,
    events,
    topic: {
      publish: async (n) => {
        if (failures > 0) {
          failures--;
          throw new Error('SNS is down');
        }
        published.push(n);
      },
    },
    application: 'promptops',
    now: () => new Date('2026-12-01T17:06:00.000Z'),
    config,
  };
  return { handler: createNotifierHandler(() => deps), published, ledger, events };
}

describe('Handler: notifier', () => {
  it('tells an alarm transition with the version deployed, the alarm, what AppConfig did and the next commands', async () => {
    const { handler, published } = await setup();
    await expect(handler(fixture('alarm-state-change.json'), context)).resolves.toEqual({ result: 'sent' });
    expect(published).toHaveLength(1);
    const [n] = published as [Notification];
    expect(n.subject).toBe('[PromptOps prod] ALARM: ErrorRate (rolls back) during support-reply@1.3.0');
    expect(n.subject.length).toBeLessThan(100);
    expect(n.body).toContain(
      'Alarm promptops-prod-ErrorRate went from OK to ALARM at 2026-12-01T17:04:40.985Z',
    );
    expect(n.body).toContain('support-reply 1.2.0 -> 1.3.0 (approved by bob)');
    expect(n.body).toContain('started by arn:aws:iam::123456789012:user/alice');
    expect(n.body).toContain('Rolled back by CLOUDWATCH_ALARM: Alarm promptops-prod-Rollback in ALARM.');
    expect(n.body).toContain('promptops incident --env prod --since 1h');
    expect(n.body).toContain('Runbook: docs/runbooks/error-rate.md');
    expect(n.chatbot).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { textType: 'client-markdown', keywords: ['prod', 'ErrorRate', 'ALARM'] },
      metadata: { threadId: 'promptops-prod-7', eventType: 'AlarmStateChange' },
    });
    expect(n.chatbot.content.nextSteps).toContain('`promptops status --env prod`');
  });

  it('tells an AppConfig rollback with the deployment, its pins and the runbook', async () => {
    const { handler, published, events } = await setup();
    await expect(handler(fixture('appconfig-rollback.json'), context)).resolves.toEqual({ result: 'sent' });
    const [n] = published as [Notification];
    expect(n.subject).toBe('[PromptOps prod] deployment 7 rolled back: support-reply@1.3.0');
    expect(n.body).toContain('Deployment 7 (deploy, Canary10Percent20Minutes): ROLLED_BACK, 10%');
    expect(n.nextCommands).toEqual([
      'promptops status --env prod',
      'promptops incident --env prod --since 1h',
      'promptops history support-reply',
    ]);
    expect([...events.items.values()]).toMatchObject([
      { kind: 'deployment', deploymentNumber: 7, actor: 'appconfig', details: { phase: 'rolled-back' } },
    ]);
  });

  it('sends nothing more when EventBridge delivers the same event again', async () => {
    const { handler, published } = await setup();
    await handler(fixture('alarm-state-change.json'), context);
    await expect(handler(fixture('alarm-state-change.json'), context)).resolves.toEqual({
      result: 'duplicate',
    });
    expect(published).toHaveLength(1);
  });

  it('lets the retry send what a failed publish did not', async () => {
    const { handler, published } = await setup({ failPublish: 1 });
    await expect(handler(fixture('alarm-state-change.json'), context)).rejects.toThrow('SNS is down');
    await expect(handler(fixture('alarm-state-change.json'), context)).resolves.toEqual({ result: 'sent' });
    expect(published).toHaveLength(1);
  });

  it('forwards nothing from the fallback for a transition the EventBridge path told', async () => {
    const { handler, published } = await setup();
    await handler(fixture('alarm-state-change.json'), context);
    const sqs = {
      Records: [
        { messageId: 'm1', eventSource: 'aws:sqs', body: JSON.stringify(fixture('alarm-action-sns.json')) },
      ],
    } as unknown as SQSEvent;
    await expect(handler(sqs, context)).resolves.toEqual({ batchItemFailures: [] });
    expect(published).toHaveLength(1);
  });

  it('forwards from the fallback a transition the EventBridge path missed, once', async () => {
    const { handler, published } = await setup();
    const sqs = {
      Records: [
        { messageId: 'm1', eventSource: 'aws:sqs', body: JSON.stringify(fixture('alarm-action-sns.json')) },
      ],
    } as unknown as SQSEvent;
    await handler(sqs, context);
    expect(published).toHaveLength(1);
    expect(published[0]?.body).toContain('Sent by the fallback path');
    // The late EventBridge delivery of the same transition.
    await expect(handler(fixture('alarm-state-change.json'), context)).resolves.toEqual({
      result: 'duplicate',
    });
    expect(published).toHaveLength(1);
  });

  it('ignores alarms of another application and events of other sources', async () => {
    const { handler, published } = await setup();
    const other = fixture('alarm-state-change.json');
    (other.detail as Record<string, unknown>).alarmName = 'billing-prod-ErrorRate';
    await expect(handler(other, context)).resolves.toEqual({ result: 'ignored' });
    await expect(handler({ source: 'aws.s3', 'detail-type': 'Object Created' }, context)).resolves.toEqual({
      result: 'ignored',
    });
    expect(published).toHaveLength(0);
  });
});
