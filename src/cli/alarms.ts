/**
 * Alarm states for `status`. Local mode: its gateway's GET /_local/alarms?environment=<env> (the
 * metrics monitor's view). AWS: CloudWatch DescribeAlarms through the SDK's paginator, keeping
 * the alarms named `<application>-<env>-...` (core `alarmName`, as the stack names them).
 */
import { alarmNamePrefix } from '../core/alarms.ts';
import type { ApiClient } from './api-client.ts';
import type { Target } from './config.ts';
import { ApiError } from './errors.ts';
import type { AwsCredentials, CredentialsProvider } from './signer.ts';

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface AlarmState {
  readonly name: string;
  readonly state: AlarmStateValue;
  readonly reason?: string;
  readonly description?: string;
  /** Composite alarms are the environment's AppConfig monitor: ALARM rolls a deployment back. */
  readonly composite?: boolean;
}

export type AlarmReport =
  | { readonly source: 'local-mode' | 'cloudwatch'; readonly alarms: readonly AlarmState[] }
  | { readonly source: 'local-mode' | 'cloudwatch'; readonly unavailable: string };

/** What local mode's GET /_local/alarms?environment=<env> answers: each environment's alarms. */
type LocalAlarmsResponse = Readonly<
  Record<string, readonly { name: string; state: string; reason?: string; description?: string }[]>
>;

const REQUEST_TIMEOUT_MS = 15_000;

function stateValue(value: string | undefined): AlarmStateValue {
  return value === 'ALARM' || value === 'OK' ? value : 'INSUFFICIENT_DATA';
}

export async function localAlarms(api: ApiClient, environment: string): Promise<AlarmReport> {
  try {
    const body = await api.get<LocalAlarmsResponse>('/_local/alarms', { environment });
    const alarms = body[environment];
    if (!Array.isArray(alarms))
      return { source: 'local-mode', unavailable: `local mode reported no alarms for ${environment}` };
    return {
      source: 'local-mode',
      alarms: alarms.map((a) => ({
        name: a.name,
        state: stateValue(a.state),
        ...(a.reason ? { reason: a.reason } : {}),
        ...(a.description ? { description: a.description } : {}),
      })),
    };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404)
      return {
        source: 'local-mode',
        unavailable: 'this local mode does not report alarm states (no GET /_local/alarms)',
      };
    throw error;
  }
}

export interface DescribeAlarmsOptions {
  readonly region: string;
  /** @default CloudWatch's endpoint for the region */
  readonly endpoint?: string;
  /** Alarm names start with the stack name when CloudFormation names them. */
  readonly namePrefix?: string;
  /** @default the default AWS credential chain */
  readonly credentials?: AwsCredentials | CredentialsProvider;
  /** @default 10 */
  readonly maxPages?: number;
}

/** The fields `status` shows of a metric or composite alarm, as DescribeAlarms returns them. */
interface DescribedAlarm {
  readonly AlarmName?: string | undefined;
  readonly StateValue?: string | undefined;
  readonly StateReason?: string | undefined;
  readonly AlarmDescription?: string | undefined;
}

function alarmState(alarm: DescribedAlarm, composite: boolean): AlarmState {
  return {
    name: alarm.AlarmName ?? '(unnamed)',
    state: stateValue(alarm.StateValue),
    ...(alarm.StateReason ? { reason: alarm.StateReason } : {}),
    ...(alarm.AlarmDescription ? { description: alarm.AlarmDescription } : {}),
    composite,
  };
}

/** Every alarm (composite first, then metric, page by page) under the name prefix. */
export async function describeAlarms(options: DescribeAlarmsOptions): Promise<AlarmState[]> {
  // Loaded here so that commands other than `status` on AWS never load the CloudWatch client.
  const { CloudWatchClient, paginateDescribeAlarms } = await import('@aws-sdk/client-cloudwatch');
  const client = new CloudWatchClient({
    region: options.region,
    requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS },
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  const alarms: AlarmState[] = [];
  let pages = 0;
  try {
    for await (const page of paginateDescribeAlarms(
      { client, pageSize: 100 },
      {
        AlarmTypes: ['CompositeAlarm', 'MetricAlarm'],
        ...(options.namePrefix ? { AlarmNamePrefix: options.namePrefix } : {}),
      },
    )) {
      for (const alarm of page.CompositeAlarms ?? []) alarms.push(alarmState(alarm, true));
      for (const alarm of page.MetricAlarms ?? []) alarms.push(alarmState(alarm, false));
      if (++pages >= (options.maxPages ?? 10)) break;
    }
  } catch (error) {
    const { name, message } = error as Error;
    throw new Error(`CloudWatch DescribeAlarms failed: ${name}${message ? `: ${message}` : ''}`, {
      cause: error,
    });
  } finally {
    client.destroy();
  }
  return alarms;
}

/** The alarms of one environment: the stack names them `<application>-<environment>-<alarm>` (core `alarmName`). */
export function environmentAlarms(
  alarms: readonly AlarmState[],
  application: string,
  environment: string,
): AlarmState[] {
  const prefix = alarmNamePrefix(application, environment);
  return alarms.filter((a) => a.name.startsWith(prefix));
}

export async function cloudWatchAlarms(
  target: Target,
  environments: readonly string[],
  application: string,
): Promise<Map<string, AlarmReport>> {
  const reports = new Map<string, AlarmReport>();
  try {
    if (!target.region) throw new Error('no region for CloudWatch');
    const all = await describeAlarms({ region: target.region, namePrefix: `${application}-` });
    for (const environment of environments)
      reports.set(environment, {
        source: 'cloudwatch',
        alarms: environmentAlarms(all, application, environment),
      });
  } catch (error) {
    const reason = `could not read CloudWatch alarms (${(error as Error).message}); cloudwatch:DescribeAlarms is needed`;
    for (const environment of environments)
      reports.set(environment, { source: 'cloudwatch', unavailable: reason });
  }
  return reports;
}
