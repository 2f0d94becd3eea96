/**
 * The notifier's own variables, beside the common handler environment: the operators' topic, the
 * application name its alarms are named after, the decision matrix and the runbooks' base URL
 * (written by notifierSettingsEnvironment in settings.ts and by the stack).
 */
import { APPCONFIG, ENV } from './contracts.ts';
import { HandlerEnvironmentError } from './handler-environment.ts';
import { ROLLBACK_ALARM_NAMES } from './settings.ts';

export interface NotifierEnvironment {
  readonly topicArn?: string;
  readonly applicationName: string;
  /** Environment -> the alarms that roll it back; an environment left out rolls back on all three. */
  readonly rollbackAlarms: Readonly<Record<string, readonly string[]>>;
  readonly runbookBaseUrl?: string;
}

export function readNotifierEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  environments: readonly string[],
): NotifierEnvironment {
  const problems: string[] = [];
  let matrix: Record<string, readonly string[]> = {};
  const raw = env[ENV.rollbackAlarms];
  if (raw !== undefined && raw.trim() !== '') {
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      matrix = parsed as Record<string, readonly string[]>;
    } catch {
      problems.push(
        `Environment variable ${ENV.rollbackAlarms} must be a JSON object, got ${JSON.stringify(raw)}`,
      );
    }
  }
  if (problems.length > 0) throw new HandlerEnvironmentError(problems);
  const rollbackAlarms = Object.fromEntries(
    environments.map((environment) => [environment, matrix[environment] ?? [...ROLLBACK_ALARM_NAMES]]),
  );
  const topicArn = env[ENV.operatorsTopicArn]?.trim();
  const runbookBaseUrl = env[ENV.runbookBaseUrl]?.trim();
  return {
    applicationName: env[ENV.applicationName]?.trim() || APPCONFIG.application,
    rollbackAlarms,
    ...(topicArn ? { topicArn } : {}),
    ...(runbookBaseUrl ? { runbookBaseUrl } : {}),
  };
}
