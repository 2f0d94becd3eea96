/**
 * Local mode's side of the notifier (docs/runbooks/README.md): an alarm watcher that turns the metrics
 * monitor's alarm states into the CloudWatch Alarm State Change events EventBridge would deliver (the
 * composite `Rollback` included), and the operators' topic as a file, `<data dir>/notifications.jsonl`,
 * one notification a line, which `GET /_local/notifications` serves.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { alarmName } from '../core/alarms.ts';
import type { Notification } from '../core/notification.ts';
import { localAlarmArn, type MetricsMonitor } from './metrics-monitor.ts';

export interface LocalAlarmWatcherOptions {
  readonly monitor: MetricsMonitor;
  readonly application: string;
  readonly environments: readonly string[];
  readonly rollbackAlarms: Readonly<Record<string, readonly string[]>>;
  readonly intervalMs: number;
  readonly onEvent: (event: Record<string, unknown>) => Promise<void>;
  readonly onError: (error: unknown) => void;
}

/** `2019-10-02T17:04:40.985+0000`, as CloudWatch writes state timestamps. */
function cloudWatchTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export class LocalAlarmWatcher {
  readonly #options: LocalAlarmWatcherOptions;
  /** Alarm name -> its state and why; an alarm not here is OK (as a new CloudWatch alarm soon is). */
  readonly #states = new Map<string, { state: string; reason: string }>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();

  constructor(options: LocalAlarmWatcherOptions) {
    this.#options = options;
  }

  start(): void {
    this.#timer = setInterval(() => {
      this.#running = this.#running.then(() => this.check()).catch(this.#options.onError);
    }, this.#options.intervalMs);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#running;
  }

  /** Evaluates every alarm once and delivers each transition since the last check, in order. */
  async check(now = Date.now()): Promise<void> {
    const { monitor, application } = this.#options;
    for (const environment of this.#options.environments) {
      const statuses = monitor.status(environment);
      const rollsBack = this.#options.rollbackAlarms[environment] ?? [];
      const firing = statuses.filter(
        (s) =>
          s.state === 'ALARM' && rollsBack.some((r) => s.name === alarmName(application, environment, r)),
      );
      const changed = firing.map((s) => s.since).filter((t): t is number => t !== undefined);
      const composite = {
        name: alarmName(application, environment, 'Rollback'),
        // The composite changes when its first rule fires (or, back to OK, when the last one clears).
        ...(changed.length > 0 ? { since: Math.min(...changed) } : {}),
        state: firing.length > 0 ? 'ALARM' : 'OK',
        reason:
          firing.length > 0
            ? `${firing.map((s) => s.name).join(', ')} in ALARM`
            : 'No rollback alarm in ALARM',
      };
      const alarms = [
        ...statuses.map((s) => ({
          name: s.name,
          state: s.state,
          reason: s.reason ?? `${s.description}: not breaching`,
          ...(s.since !== undefined ? { since: s.since } : {}),
        })),
        composite,
      ];
      for (const alarm of alarms) {
        const previous = this.#states.get(alarm.name) ?? { state: 'OK', reason: 'Initial state' };
        if (previous.state === alarm.state) continue;
        this.#states.set(alarm.name, { state: alarm.state, reason: alarm.reason });
        // Stamped when the rule changed state, not when this poll saw it, as CloudWatch stamps it.
        const changedAt = Math.min(now, alarm.since ?? now);
        const at = cloudWatchTimestamp(changedAt);
        const rule = alarm.name.slice(alarmName(application, environment, '').length);
        await this.#options.onEvent({
          version: '0',
          id: `local-alarm-${alarm.name}-${now}`,
          'detail-type': 'CloudWatch Alarm State Change',
          source: 'aws.cloudwatch',
          account: '000000000000',
          time: new Date(changedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          region: 'local',
          resources: [localAlarmArn(environment, rule)],
          detail: {
            alarmName: alarm.name,
            state: { value: alarm.state, reason: alarm.reason, timestamp: at },
            previousState: { value: previous.state, reason: previous.reason },
          },
        });
      }
    }
  }
}

/** The operators' topic of local mode: a JSON line per notification. */
export class LocalNotificationTopic {
  readonly #file: string;
  readonly #log: (line: string) => void;

  constructor(file: string, log: (line: string) => void) {
    this.#file = file;
    this.#log = log;
  }

  async publish(notification: Notification): Promise<void> {
    await appendFile(this.#file, `${JSON.stringify({ at: new Date().toISOString(), ...notification })}\n`);
    this.#log(`notified operators: ${notification.subject}`);
  }

  /** Every notification sent, oldest first. */
  async list(): Promise<unknown[]> {
    const text = await readFile(this.#file, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as unknown);
  }
}
