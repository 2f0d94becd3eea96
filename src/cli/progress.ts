/**
 * Live rollout progress. On a terminal: a cli-progress bar of the deployment percentage, then the
 * bake. Elsewhere (CI logs, pipes): one line per change of state or percentage, so a log shows every
 * step once. Also the bar of finished tests `promptops test` shows on a terminal.
 */
import type { DeploymentState } from '../core/api.ts';
import type { OutputStream } from './io.ts';
import type { Colors } from './output.ts';

export interface RolloutSnapshot {
  readonly state: DeploymentState;
  readonly percentage: number;
}

export interface RolloutReporter {
  update(snapshot: RolloutSnapshot): void;
  /** Removes nothing: the last bar (or line) stays on screen. */
  stop(): void;
}

export interface RolloutReporterOptions {
  readonly stream: OutputStream;
  /** e.g. `deployment 4 to prod`. */
  readonly label: string;
  readonly colors: Colors;
  /** @default Date.now */
  readonly now?: () => number;
}

const PHASE: Record<DeploymentState, string> = {
  DEPLOYING: 'deploying',
  BAKING: 'baking',
  COMPLETE: 'complete',
  ROLLED_BACK: 'rolled back',
};

export function formatElapsed(ms: number): string {
  if (ms < 9_950) return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
}

/** One line per change: what a CI log shows. */
export function lineReporter(options: RolloutReporterOptions): RolloutReporter {
  const now = options.now ?? Date.now;
  const started = now();
  let last: string | undefined;
  return {
    update(snapshot) {
      const key = `${snapshot.state} ${snapshot.percentage}`;
      if (key === last) return;
      last = key;
      const pct = `${Math.round(snapshot.percentage)}%`;
      options.stream.write(
        `${options.label}: ${snapshot.state} ${pct}${snapshot.state === 'BAKING' ? ' (watching alarms)' : ''} [+${formatElapsed(now() - started)}]\n`,
      );
    },
    stop() {},
  };
}

/** A progress bar on a terminal. */
export async function barReporter(options: RolloutReporterOptions): Promise<RolloutReporter> {
  const { default: cliProgress } = await import('cli-progress');
  const c = options.colors;
  const bar = new cliProgress.SingleBar(
    {
      stream: options.stream as NodeJS.WritableStream,
      format: `${options.label} ${c.cyan('{bar}')} {percentage}% | {phase} | {duration_formatted}`,
      barCompleteChar: '\u2588',
      barIncompleteChar: '\u2591',
      hideCursor: null,
      clearOnComplete: false,
      stopOnComplete: false,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(100, 0, { phase: PHASE.DEPLOYING });
  return {
    update(snapshot) {
      bar.update(Math.round(snapshot.percentage), { phase: PHASE[snapshot.state] });
    },
    stop() {
      bar.stop();
    },
  };
}

export async function rolloutReporter(options: RolloutReporterOptions): Promise<RolloutReporter> {
  return options.stream.isTTY === true ? barReporter(options) : lineReporter(options);
}

export interface CountReporter {
  /** `done` of the total have finished. */
  update(done: number): void;
  stop(): void;
}

/**
 * A bar of finished items (tests of a suite) on a terminal; nothing elsewhere, since the table that
 * follows says it all and a log needs no bar.
 */
export async function countReporter(options: {
  readonly stream: OutputStream;
  /** e.g. the prompt id. */
  readonly label: string;
  readonly total: number;
  readonly colors: Colors;
  /** False for `--json`. */
  readonly enabled: boolean;
}): Promise<CountReporter> {
  if (!options.enabled || options.stream.isTTY !== true || options.total === 0)
    return { update() {}, stop() {} };
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      stream: options.stream as NodeJS.WritableStream,
      format: `${options.label} ${options.colors.cyan('{bar}')} {value}/{total} tests | {duration_formatted}`,
      barCompleteChar: '\u2588',
      barIncompleteChar: '\u2591',
      hideCursor: null,
      clearOnComplete: true,
      stopOnComplete: false,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(options.total, 0);
  return {
    update(done) {
      bar.update(done);
    },
    stop() {
      bar.stop();
    },
  };
}
