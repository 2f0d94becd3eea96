/**
 * GET /prompts/{id}/shadow (docs/shadows.md): the shadow candidate's calls against the primary's in one
 * environment over a window. The versions come from the environment's pin (the primary is the default
 * pin's heaviest variant, the version canary analysis takes as the baseline; the shadow is the pin's
 * shadow, or `version=` after it was promoted or removed); the figures come from the same per-version
 * metrics the metrics history reads, the shadow's with Role=shadow; the captured output pairs, where
 * an environment captures them, from S3 (shadow-report-outputs.ts). Every parameter is checked before
 * anything is read.
 */
import type { ShadowReport } from '../../src/core/api.ts';
import { BadRequestError, displayValue, NotFoundError } from '../../src/core/errors.ts';
import { assertPromptId } from '../../src/core/ids.ts';
import { type MetricsHistorySource, metricsWindow } from '../../src/core/metrics-history.ts';
import { type Pins, pinShadow } from '../../src/core/pins.ts';
import { summarizeShadowOutputs } from '../../src/core/shadow-output-summary.ts';
import { compareShadow, shadowStats, wholeWindowPeriod } from '../../src/core/shadow-report.ts';
import { isValidVersion } from '../../src/core/versioning.ts';
import { baselineOf } from '../canary/changed-pins.ts';
import { assertConfiguredEnvironment } from '../feedback/environments.ts';
import type { ShadowOutputsReader } from './shadow-report-outputs.ts';

/** The pins an environment serves now (the environment state item), and where captured outputs are. */
export interface EnvironmentPinsReader {
  pins(environment: string): Promise<Pins>;
  /** The captured output pairs (docs/shadows.md); absent where no environment captures outputs. */
  readonly outputs?: ShadowOutputsReader;
}

export interface ShadowReportInput {
  readonly environment?: string;
  readonly since?: string;
  readonly until?: string;
  /** The shadow version to report on; @default the pin's shadow */
  readonly version?: string;
}

function missing(name: string): BadRequestError {
  const message = `Query parameter ${name} is required`;
  return new BadRequestError(message, { errors: [{ path: name, message }] });
}

export async function shadowReport(
  source: MetricsHistorySource,
  environmentPins: EnvironmentPinsReader,
  id: string,
  input: ShadowReportInput,
  environments: readonly string[],
  now: Date,
): Promise<ShadowReport> {
  const promptId = assertPromptId(id);
  if (input.environment === undefined || input.environment === '') throw missing('environment');
  const environment = input.environment;
  assertConfiguredEnvironment(environment, environments);
  const window = metricsWindow(
    {
      ...(input.since !== undefined ? { since: input.since } : {}),
      ...(input.until !== undefined ? { until: input.until } : {}),
    },
    now,
  );
  if (input.version !== undefined && !isValidVersion(input.version)) {
    const message = `version ${displayValue(input.version)} is not a valid version`;
    throw new BadRequestError(message, { errors: [{ path: 'version', message }] });
  }

  const pin = (await environmentPins.pins(environment))[promptId];
  if (pin === undefined) throw new NotFoundError(`Prompt ${promptId} is not deployed in ${environment}`);
  const pinned = pinShadow(pin);
  const shadowVersion = input.version ?? pinned?.version;
  if (shadowVersion === undefined)
    throw new NotFoundError(
      `Prompt ${promptId} has no shadow in ${environment}: deploy one ({version, sampleRate}), or name the shadow version with version=`,
    );
  const primaryVersion = baselineOf(pin);

  const query = {
    environment,
    promptId,
    start: window.start,
    end: window.end,
    periodSeconds: wholeWindowPeriod(window.start, window.end),
  };
  const [primaryPoints, shadowPoints, pairs] = await Promise.all([
    source.series({ ...query, versions: [primaryVersion] }),
    source.series({ ...query, versions: [shadowVersion], role: 'shadow' }),
    environmentPins.outputs?.pairs({
      environment,
      promptId,
      shadowVersion,
      start: window.start,
      end: window.end,
    }),
  ]);
  const outputs = summarizeShadowOutputs(pairs ?? []);
  const primary = shadowStats(primaryVersion, primaryPoints[primaryVersion] ?? []);
  const shadow = shadowStats(shadowVersion, shadowPoints[shadowVersion] ?? []);
  return {
    environment,
    since: window.start.toISOString(),
    until: window.end.toISOString(),
    ...(pinned && pinned.version === shadowVersion ? { sampleRate: pinned.sampleRate } : {}),
    primary,
    shadow,
    comparison: compareShadow(primary, shadow),
    ...(outputs ? { outputs } : {}),
  };
}
