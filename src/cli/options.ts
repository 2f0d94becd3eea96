/** Parsers for option values (a bad value is a usage error, exit 2) and the options several commands share. */
import { InvalidArgumentError, Option } from 'commander';

/** For repeatable options: each occurrence adds a value. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new InvalidArgumentError('Give a number of seconds above 0, such as 2 or 0.5.');
  return seconds;
}

/** `90`, `90s`, `15m`, `1h` as seconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(value.trim());
  if (!match || Number(match[1]) <= 0)
    throw new InvalidArgumentError('Give a duration such as 90s, 15m or 1h (a bare number is seconds).');
  return Number(match[1]) * ({ s: 1, m: 60, h: 3600 }[match[2] as 's' | 'm' | 'h'] ?? 1);
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new InvalidArgumentError('Give a port from 0 to 65535 (0 picks free ports).');
  return port;
}

export function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('Give a number above 0.');
  return n;
}

/** `--env` of the commands that act on one environment, the config's by default (context.ts `environment`). */
export const ENV_OPTION = new Option(
  '--env <env>',
  'environment (default: "environment" in promptops.config.json)',
);

/** `--wait`, `--interval` and `--timeout` of a command that starts something the service carries on with. */
function waitOptions(wait: string, timeout: string): readonly Option[] {
  return [
    new Option('--wait', wait),
    new Option('--interval <seconds>', 'seconds between status polls while waiting')
      .argParser(parseSeconds)
      .default(2),
    new Option('--timeout <duration>', timeout).argParser(parseDuration),
  ];
}

/** `--wait`, `--interval` and `--timeout`, for the commands that start a rollout (rollout.ts `WaitOptions`). */
export const WAIT_OPTIONS: readonly Option[] = waitOptions(
  'follow the rollout live until COMPLETE (exit 0) or ROLLED_BACK (exit 3)',
  'stop waiting after this long (90s, 15m, 1h); exit 1, the deployment continues',
);

/** The same for `promptops eval`, which follows a server-side evaluation run. */
export const EVAL_WAIT_OPTIONS: readonly Option[] = waitOptions(
  'follow the run until it ends: PASSED (exit 0), FAILED or ERROR (exit 1)',
  'stop waiting after this long (90s, 15m, 1h); exit 1, the run continues',
);

/** `--data-dir` of the commands that read or write a stack's storage directly (storage.ts `openStorage`). */
export const STORAGE_DATA_DIR_OPTION = new Option(
  '--data-dir <dir>',
  'local mode: the data folder holding endpoints.json (default .promptops)',
);
