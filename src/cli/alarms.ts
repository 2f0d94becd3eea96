/**
 * Alarm states for `status`. Local mode: its gateway's GET /_local/alarms?environment=<env> (the
 * metrics monitor's view). AWS: CloudWatch DescribeAlarms over the query API, SigV4-signed, keeping
 * the alarms named `<application>-<env>-...` (core `alarmName`, as the stack names them).
 */
import { alarmNamePrefix } from '../core/alarms.ts';
import type { ApiClient } from './api-client.ts';
import type { Target } from './config.ts';
import { ApiError } from './errors.ts';
import { type AwsCredentials, type CredentialsProvider, signRequest } from './signer.ts';
import { at, child, parseXml, textOf, type XmlElement } from './xml.ts';

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
  /** @default https://monitoring.<region>.amazonaws.com */
  readonly endpoint?: string;
  /** Alarm names start with the stack name when CloudFormation names them. */
  readonly namePrefix?: string;
  readonly credentials?: AwsCredentials | CredentialsProvider;
  /** @default 10 */
  readonly maxPages?: number;
}

function alarmsOf(container: XmlElement | undefined, composite: boolean): AlarmState[] {
  return (container?.children ?? [])
    .filter((m) => m.name === 'member')
    .map((m) => {
      const reason = textOf(m, 'StateReason');
      const description = textOf(m, 'AlarmDescription');
      return {
        name: textOf(m, 'AlarmName') ?? '(unnamed)',
        state: stateValue(textOf(m, 'StateValue')),
        ...(reason ? { reason } : {}),
        ...(description ? { description } : {}),
        composite,
      };
    });
}

/** Parses one DescribeAlarms response (query protocol XML). */
export function parseDescribeAlarms(xml: string): { alarms: AlarmState[]; nextToken?: string } {
  const result = at(parseXml(xml), 'DescribeAlarmsResponse', 'DescribeAlarmsResult');
  if (!result) throw new Error('not a DescribeAlarms response');
  const nextToken = textOf(result, 'NextToken');
  return {
    alarms: [
      ...alarmsOf(child(result, 'CompositeAlarms'), true),
      ...alarmsOf(child(result, 'MetricAlarms'), false),
    ],
    ...(nextToken ? { nextToken } : {}),
  };
}

/** Every alarm (metric and composite) under the name prefix, following NextToken. */
export async function describeAlarms(options: DescribeAlarmsOptions): Promise<AlarmState[]> {
  const url = new URL(options.endpoint ?? `https://monitoring.${options.region}.amazonaws.com/`);
  const alarms: AlarmState[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < (options.maxPages ?? 10); page++) {
    const form = new URLSearchParams({
      Action: 'DescribeAlarms',
      Version: '2010-08-01',
      'AlarmTypes.member.1': 'CompositeAlarm',
      'AlarmTypes.member.2': 'MetricAlarm',
      MaxRecords: '100',
      ...(options.namePrefix ? { AlarmNamePrefix: options.namePrefix } : {}),
      ...(nextToken ? { NextToken: nextToken } : {}),
    });
    const body = form.toString();
    const headers = await signRequest(
      {
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body,
      },
      {
        region: options.region,
        service: 'monitoring',
        ...(options.credentials ? { credentials: options.credentials } : {}),
      },
    );
    const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) });
    const text = await response.text();
    if (!response.ok) {
      const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? `HTTP ${response.status}`;
      const message = /<Message>([^<]+)<\/Message>/.exec(text)?.[1];
      throw new Error(`CloudWatch DescribeAlarms failed: ${code}${message ? `: ${message}` : ''}`);
    }
    const parsed = parseDescribeAlarms(text);
    alarms.push(...parsed.alarms);
    nextToken = parsed.nextToken;
    if (!nextToken) break;
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
