/**
 * What the client needs only while no manifest came from the source: the fallback snapshot, and the
 * error when there is neither. Loaded on the first failed load, so the agent path does not bundle it.
 */
import './load-path.ts';
import { readFile } from 'node:fs/promises';
import { PromptOpsError } from '../core/error-base.ts';
import type { BodyStore } from './bodies.ts';
import { withDeadline } from './deadline.ts';
import { PromptSourceError } from './errors.ts';
import { type LoadedManifest, loadManifest } from './loaded-manifest.ts';
import { type ClientLogger, errorDetails } from './logger.ts';
import { parseManifestText } from './manifest-text.ts';
import type { SourceTarget } from './sources/source.ts';

/**
 * Loads the snapshot at `path` within `timeoutMs` and offers it to `serve`, which answers whether it
 * is served (not when a manifest arrived meanwhile). Returns the failure, undefined on success.
 */
export async function loadFallback(
  path: string,
  timeoutMs: number,
  bodies: BodyStore,
  log: ClientLogger,
  serve: (loaded: LoadedManifest) => boolean,
): Promise<unknown> {
  try {
    const loaded = await readSnapshot(path, timeoutMs, bodies);
    if (serve(loaded)) {
      log.warn('Serving the fallback snapshot until the source answers', {
        fallbackPath: path,
        revision: loaded.manifest.revision,
      });
    }
    return undefined;
  } catch (error) {
    log.warn('The fallback snapshot could not be loaded', {
      fallbackPath: path,
      ...errorDetails(error),
    });
    return error;
  }
}

/** The snapshot at `path`, loaded within `timeoutMs`; rejects on any failure. */
export function readSnapshot(path: string, timeoutMs: number, bodies: BodyStore): Promise<LoadedManifest> {
  const origin = `The fallback snapshot ${path}`;
  return withDeadline(timeoutMs, origin, async (signal) => {
    const manifest = await parseManifestText(await readFile(path, { encoding: 'utf8', signal }), origin);
    return loadManifest(manifest, bodies, undefined, true);
  });
}

/** No manifest from `source` (`failure`) and none from the fallback snapshot at `path` (`fallbackFailure`). */
export function noManifestError(
  target: SourceTarget,
  source: string,
  path: string | undefined,
  failure: unknown,
  fallbackFailure: unknown,
): PromptSourceError {
  const { application, environment, profile } = target;
  return new PromptSourceError(
    `No prompt manifest for application "${application}", environment "${environment}", profile "${profile}": ${source} failed (${failure === undefined ? 'no answer yet' : safeReason(failure)})${
      path === undefined
        ? ' and no fallbackPath is set'
        : ` and the fallback snapshot ${path} could not be loaded (${safeReason(fallbackFailure)})`
    }. Check that the function can reach AppConfig (the AppConfig Agent extension, or permission for appconfig:StartConfigurationSession and appconfig:GetLatestConfiguration), and bundle a snapshot written by "promptops snapshot" as fallbackPath.`,
    {
      cause:
        path === undefined
          ? failure
          : new AggregateError([failure, fallbackFailure], 'the source and the fallback snapshot failed'),
    },
  );
}

/** A one-line reason safe to put in an error message or a log line (see `errorDetails` in logger.ts); only this error needs it. */
export function safeReason(error: unknown): string {
  if (error instanceof PromptOpsError) {
    const fields = (error.errors ?? []).map((e) => e.path).join(', ');
    return `${error.name}${fields ? ` at ${fields}` : ''}`;
  }
  if (error instanceof Error) return `${error.name}: ${error.message.slice(0, 300)}`;
  return String(error).slice(0, 300);
}
