/**
 * What the web console (console/, docs/console.md) and the two servers that serve it (local mode and
 * `promptops console`) agree on: where it lives, the settings document it reads at start, the header
 * that proves a request comes from the console page itself, and the shape of alarm states.
 */

/** The console is served under this path, by local mode at `<api>/console` and by `promptops console`. */
export const CONSOLE_PATH = '/console';

/** The settings document, `GET /console/settings.json`. */
export const CONSOLE_SETTINGS_PATH = `${CONSOLE_PATH}/settings.json`;

/**
 * Sent by the console on every API call. `promptops console` forwards only requests that carry it: a
 * page of another origin cannot set it without a CORS preflight, which the server never grants, so
 * no other site can spend the operator's credentials (docs/console.md).
 */
export const CONSOLE_REQUEST_HEADER = 'x-promptops-console';

/** How the console reaches the API, as its settings document says. */
export type ConsoleMode = 'local' | 'aws';

/** `GET /console/settings.json`: what the console needs before its first API call. */
export interface ConsoleSettings {
  /** `local`: the caller is the `x-promptops-user` header, which the console lets a person set. */
  readonly mode: ConsoleMode;
  /** The API the console's calls reach (shown, not called: calls go to the console's own origin). */
  readonly endpoint: string;
  /** Environments, in promotion order. */
  readonly environments: readonly string[];
  /** Environments that accept approved versions only. */
  readonly protectedEnvironments: readonly string[];
  /** Strategy names to offer when deploying (others may still be typed). */
  readonly strategies: readonly string[];
  /** Path of the alarm states route on the console's origin: `GET <path>?environment=<env>`. */
  readonly alarmsPath: string;
  /** Who the calls act as by default: local mode's default user, or a description of the AWS identity. */
  readonly caller: string;
}

export type ConsoleAlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** An alarm as the alarm states route answers: `{<environment>: ConsoleAlarm[]}` (local mode's /_local/alarms shape). */
export interface ConsoleAlarm {
  readonly name: string;
  readonly state: ConsoleAlarmState;
  readonly reason?: string;
  readonly description?: string;
}

/** `GET <alarmsPath>?environment=<env>`: alarms per environment, or why they cannot be read. */
export type ConsoleAlarmsResponse = Readonly<
  Record<string, readonly ConsoleAlarm[] | { unavailable: string }>
>;
