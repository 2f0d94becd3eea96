/**
 * Shadow deployments, the client side (docs/shadows.md): which calls are sampled for a prompt's
 * shadow candidate, and `runShadow`, which runs the caller's model call for the candidate in the
 * background and records its outcome with `Role=shadow`. Loaded only by a manifest with a shadow,
 * so apps without one neither load nor run any of it.
 */
import './load-path.ts';
import type { CompiledPrompt } from '../core/compiled-prompt.ts';
import type { ManifestPrompt } from '../core/manifest.ts';
import { SHADOW_METRICS } from '../core/metrics.ts';
import { emfDocumentOf } from '../core/outcome-metrics.ts';
import type { ServedPair, ServedVersion } from './loaded-manifest.ts';
import { type ClientLogger, errorDetails } from './logger.ts';
import type { LineWriter } from './metrics.ts';
import { ServedPrompt } from './pinned-manifest.ts';
import { Prompt } from './prompt.ts';
import type { ShadowCapture } from './shadow-capture.ts';
import type { AwsSdkClient } from './source-client.ts';

/** What the caller's shadow call may report about the candidate's model call. Every field is optional. */
export interface ShadowResult {
  /**
   * The candidate's output text. Stored, with the primary's output (`runShadow`'s `primaryOutput`),
   * only where the environment captures shadow outputs (docs/shadows.md); otherwise it stays in the process.
   */
  readonly output?: string;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  /** Cost of the candidate's call in US dollars. */
  readonly costUsd?: number;
}

/**
 * The caller's model call for the candidate. `signal` aborts when the call runs past the shadow
 * time cap: pass it to the model client so an abandoned call stops using the network.
 */
export type ShadowCall = (
  candidate: Prompt,
  signal: AbortSignal,
  // biome-ignore lint/suspicious/noConfusingVoidType: an async call that reports nothing resolves to void
) => Promise<ShadowResult | undefined | void> | ShadowResult | undefined;

/** What `runShadow` may be told besides the call (docs/shadows.md). */
export interface ShadowRunOptions {
  /**
   * The primary's output, as a string or a promise of one: stored with the candidate's output as one
   * pair where the environment captures shadow outputs, read once the candidate settled. A promise
   * that rejects, or a value that is not a string, captures nothing; it is never awaited by the caller.
   */
  readonly primaryOutput?: string | PromiseLike<string>;
}

/** The candidates whose environment captures shadow outputs (the manifest's `shadow.capture`). */
const CAPTURED = new WeakSet<Prompt>();

export const DEFAULT_SHADOW_CONCURRENCY = 2;
export const DEFAULT_SHADOW_TIMEOUT_SECONDS = 30;

const SEED = 0x2f6b_a9c1;

/** Murmur3's mixing of one 32-bit block into the state `h`. */
function block(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/**
 * Murmur3 (x86, 32-bit) of `input`'s UTF-16LE bytes from the state `h` (two code units a block),
 * as a point in [0, 1).
 */
function point(h: number, input: string, length: number): number {
  const even = input.length & ~1;
  for (let i = 0; i < even; i += 2) h = block(h, input.charCodeAt(i) | (input.charCodeAt(i + 1) << 16));
  if (even < input.length) {
    let k = Math.imul(input.charCodeAt(even), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
  }
  h ^= length * 2;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

/** `${id}\0shadow\0`, padded with \0 to whole blocks, so its part of the hash is mixed once. */
function prefixOf(id: string): { readonly state: number; readonly length: number } {
  const prefix = `${id}\u0000shadow\u0000`.padEnd(Math.ceil((id.length + 8) / 2) * 2, '\u0000');
  let state = SEED;
  for (let i = 0; i < prefix.length; i += 2) {
    state = block(state, prefix.charCodeAt(i) | (prefix.charCodeAt(i + 1) << 16));
  }
  return { state, length: prefix.length };
}

/**
 * Where `key` falls for the shadow of prompt `id`: a stable point in [0, 1). A different hash, over
 * a different input, from the variant split's (core variants.ts), so being sampled for the shadow
 * says nothing about which variant a key gets: Murmur3 (x86, 32-bit, seed 0x2f6ba9c1) of the
 * UTF-16LE bytes of `${id}\0shadow\0` (padded with \0 to an even length) followed by `key`.
 */
export function shadowPoint(key: string, id: string): number {
  const prefix = prefixOf(id);
  return point(prefix.state, key, prefix.length + key.length);
}

/**
 * The sampling decision for prompt `id`'s shadow: with a key, sampled when its point is below
 * `sampleRate` (the same key always in or always out, in every process); without, at random per call.
 */
export function shadowSampler(id: string, sampleRate: number): (key: string | undefined) => boolean {
  const { state, length } = prefixOf(id);
  return (key) => (key === undefined ? Math.random() : point(state, key, length + key.length)) < sampleRate;
}

/** The default pin of a prompt with a shadow: a sampled call gets its variant with `shadow` set. */
class ShadowedPrompt extends ServedPrompt {
  readonly #sampled: (key: string | undefined) => boolean;
  /** Each default variant -> the same variant's objects with `shadow` set. */
  readonly #shadowed: ReadonlyMap<ServedPair, ServedPair>;
  /** The one version, and its shadowed objects, of a pin with no split and no segments: the common case. */
  readonly #only: readonly [ServedPair, ServedPair] | undefined;

  constructor(
    id: string,
    versions: readonly ServedVersion[],
    variants: ConstructorParameters<typeof ServedPrompt>[2],
    segments: ReadonlyMap<string, ServedPrompt> | undefined,
    sampled: (key: string | undefined) => boolean,
    shadowed: ReadonlyMap<ServedPair, ServedPair>,
  ) {
    super(id, versions, variants, segments);
    this.#sampled = sampled;
    this.#shadowed = shadowed;
    const only = versions.length === 1 && segments === undefined ? versions[0] : undefined;
    this.#only = only && [only, shadowed.get(only) as ServedPair];
  }

  /**
   * The pick as without a shadow; a sampled call gets the shadowed objects of the same variant. A
   * caller a segment's pin serves is never sampled: that pin is not in the map.
   */
  override pick(key: string | undefined, segment?: string): ServedPair {
    const only = this.#only;
    if (only !== undefined) return this.#sampled(key) ? only[1] : only[0];
    const chosen = super.pick(key, segment);
    return this.#sampled(key) ? (this.#shadowed.get(chosen) ?? chosen) : chosen;
  }
}

/**
 * The served prompt `id` whose default pin `entry` has a shadow (loaded-manifest.ts): `defaults` are
 * its variants as served, in `entry`'s order; the candidate, compiled with the rest, is built once.
 */
export function shadowedPrompt(
  id: string,
  entry: ManifestPrompt,
  environment: string,
  defaults: readonly ServedVersion[],
  compiled: ReadonlyMap<string, CompiledPrompt>,
  variants: ConstructorParameters<typeof ServedPrompt>[2],
  segments: ReadonlyMap<string, ServedPrompt> | undefined,
): ServedPrompt {
  const shadow = entry.shadow as NonNullable<ManifestPrompt['shadow']>;
  const build = (version: typeof shadow | ManifestPrompt, stale: boolean, candidate?: Prompt) =>
    new Prompt(
      id,
      version,
      environment,
      compiled.get(version.sha256) as CompiledPrompt,
      stale,
      undefined,
      candidate,
      candidate ? 'primary' : 'shadow',
    );
  const fresh = build(shadow, false);
  const stale = build(shadow, true);
  if (shadow.capture === true) {
    CAPTURED.add(fresh);
    CAPTURED.add(stale);
  }
  const entries = entry.variants ?? [entry];
  const shadowed = new Map<ServedPair, ServedPair>(
    defaults.map((served, i) => {
      const version = entries[i] as ManifestPrompt;
      return [
        served,
        {
          fresh: Promise.resolve(build(version, false, fresh)),
          stale: Promise.resolve(build(version, true, stale)),
        },
      ];
    }),
  );
  return new ShadowedPrompt(id, defaults, variants, segments, shadowSampler(id, shadow.sampleRate), shadowed);
}

/** The runner for a client's options (client.ts `runShadow`), with the defaults. */
export function shadowRunner(
  options: {
    readonly shadowConcurrency?: number | undefined;
    readonly shadowTimeoutSeconds?: number | undefined;
    readonly s3Client?: AwsSdkClient | undefined;
    readonly bodyBucket?: string | undefined;
  },
  writeLine: LineWriter,
  log: ClientLogger,
): ShadowRunner {
  return new ShadowRunner({
    concurrency: options.shadowConcurrency ?? DEFAULT_SHADOW_CONCURRENCY,
    timeoutMs: (options.shadowTimeoutSeconds ?? DEFAULT_SHADOW_TIMEOUT_SECONDS) * 1000,
    writeLine,
    log,
    capture: () =>
      import('./shadow-capture.ts').then(
        (m) =>
          new m.ShadowCapture({ client: options.s3Client, bucket: options.bodyBucket, log, errorDetails }),
      ),
  });
}

export interface ShadowRunnerOptions {
  /** Candidate calls in flight at once; a sampled call over it is dropped (and counted). */
  readonly concurrency: number;
  /** How long one candidate call may run before it is abandoned. */
  readonly timeoutMs: number;
  readonly writeLine: LineWriter;
  readonly log: ClientLogger;
  /**
   * The output capture (shadow-capture.ts), created on the first pair to store.
   * @default none: outputs are never stored
   */
  readonly capture?: () => Promise<ShadowCapture>;
}

type ShadowValues = Partial<Record<keyof typeof SHADOW_METRICS, number>>;

/** A count, or a cost: a finite number of at least 0, otherwise nothing is recorded. */
function figure(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** Runs shadow calls in the background, under the client's concurrency and time caps. */
export class ShadowRunner {
  readonly #options: ShadowRunnerOptions;
  #inFlight = 0;
  #capture: Promise<ShadowCapture> | undefined;

  constructor(options: ShadowRunnerOptions) {
    this.#options = options;
  }

  /** Candidate calls running now (an abandoned one no longer counts). */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** The output capture, once a pair was offered to it (for tests). */
  get capture(): Promise<ShadowCapture> | undefined {
    return this.#capture;
  }

  /**
   * Starts `call(candidate)` unless the cap is reached. Resolves once the call settles or is
   * abandoned, and its line is written; never rejects. `primary` and `options.primaryOutput` are
   * what a captured pair holds of the primary (docs/shadows.md).
   */
  run(candidate: Prompt, call: ShadowCall, primary?: Prompt, options?: ShadowRunOptions): Promise<void> {
    const { concurrency, timeoutMs, log } = this.#options;
    const primaryOutput = options?.primaryOutput;
    // The caller's promise never becomes an unhandled rejection here, whether it is read or not.
    if (typeof (primaryOutput as PromiseLike<string> | undefined)?.then === 'function')
      Promise.resolve(primaryOutput).catch(() => undefined);
    if (this.#inFlight >= concurrency) {
      this.#write(candidate, { shadowDrops: 1 });
      log.warn('Shadow call dropped: the shadow concurrency cap is reached', {
        promptId: candidate.id,
        version: candidate.version,
        shadowConcurrency: concurrency,
      });
      return Promise.resolve();
    }
    this.#inFlight++;
    const controller = new AbortController();
    const started = Date.now();
    return new Promise<void>((resolve) => {
      let settled = false;
      const finish = (values: ShadowValues) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#inFlight--;
        this.#write(candidate, values);
        resolve();
      };
      const timer = setTimeout(() => {
        finish({ invocations: 1, errors: 1, shadowTimeouts: 1 });
        controller.abort(new Error(`The shadow call ran past ${timeoutMs} ms and was abandoned`));
        log.warn('Shadow call abandoned: it ran past the shadow time cap', {
          promptId: candidate.id,
          version: candidate.version,
          shadowTimeoutMs: timeoutMs,
        });
      }, timeoutMs);
      // A pending shadow call never keeps the process alive on its own.
      (timer as { unref?: () => void }).unref?.();
      let pending: Promise<unknown>;
      try {
        pending = Promise.resolve(call(candidate, controller.signal));
      } catch (error) {
        pending = Promise.reject(error);
      }
      pending.then(
        (result) => {
          const reported: ShadowResult = typeof result === 'object' && result !== null ? result : {};
          const latency = Date.now() - started;
          const inTime = !settled;
          finish({
            invocations: 1,
            errors: 0,
            latency,
            inputTokens: figure(reported.inputTokens),
            outputTokens: figure(reported.outputTokens),
            cost: figure(reported.costUsd),
          });
          if (
            inTime &&
            primary !== undefined &&
            primaryOutput !== undefined &&
            typeof reported.output === 'string' &&
            CAPTURED.has(candidate)
          )
            this.#captureOutputs(candidate, primary, primaryOutput, reported.output, started, latency);
        },
        (error: unknown) => {
          if (settled) return;
          log.warn('Shadow call failed', {
            promptId: candidate.id,
            version: candidate.version,
            ...errorDetails(error),
          });
          finish({ invocations: 1, errors: 1 });
        },
      );
    });
  }

  /**
   * Hands the pair to the capture once the primary's output is known (within the time cap); never
   * throws, and a primary output that fails or is not a string captures nothing.
   */
  #captureOutputs(
    candidate: Prompt,
    primary: Prompt,
    primaryOutput: string | PromiseLike<string>,
    shadowOutput: string,
    started: number,
    latencyMs: number,
  ): void {
    const capture = this.#options.capture;
    if (capture === undefined) return;
    const settledAt = started + latencyMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, this.#options.timeoutMs, undefined);
      (timer as { unref?: () => void }).unref?.();
    });
    Promise.race([Promise.resolve(primaryOutput), late])
      // The caller's own failure is theirs to report: nothing of it is logged here.
      .catch(() => undefined)
      .then(async (output) => {
        clearTimeout(timer);
        if (typeof output !== 'string') return;
        this.#capture ??= capture();
        (await this.#capture).offer({
          environment: candidate.environment,
          promptId: candidate.id,
          primaryVersion: primary.version,
          shadowVersion: candidate.version,
          primaryOutput: output,
          shadowOutput,
          startedAt: started,
          settledAt,
          latencyMs,
        });
      })
      .catch((error: unknown) => {
        clearTimeout(timer);
        this.#options.log.warn('Shadow output not captured', {
          promptId: candidate.id,
          version: candidate.version,
          ...errorDetails(error),
        });
      });
  }

  #write(candidate: Prompt, values: ShadowValues): void {
    try {
      const doc = emfDocumentOf(
        SHADOW_METRICS,
        {
          environment: candidate.environment,
          promptId: candidate.id,
          promptVersion: candidate.version,
          role: 'shadow',
        },
        values,
        Date.now(),
      );
      this.#options.writeLine(`${JSON.stringify(doc)}\n`);
    } catch (error) {
      this.#options.log.warn('Could not write the shadow metrics line', errorDetails(error));
    }
  }
}
