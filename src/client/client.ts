/**
 * `PromptClient`: cached, never-failing prompt reads for Lambda apps.
 *
 * The manifest is fetched, verified and compiled once per revision. After the first load `get` never
 * waits on the network: when the cache is older than `maxAgeSeconds` one background refresh starts
 * and every caller shares it (stale-while-revalidate). A failed fetch, parse or verification keeps
 * the last good manifest; with none, the fallback snapshot; with neither, `PromptSourceError`. Every
 * load has a deadline (`fetchTimeoutSeconds`), so a hung endpoint counts as a failure: the first `get`
 * still falls back in time, and the next refresh can start.
 */
import { CLIENT_APPCONFIG } from '../core/client-defaults.ts';
import { BodyStore } from './bodies.ts';
import { withDeadline } from './deadline.ts';
import { PromptNotFoundError, PromptSourceError } from './errors.ts';
import type { FeedbackInput, FeedbackSender, FeedbackSettings } from './feedback.ts';
import { type LoadedManifest, loadManifest } from './loaded-manifest.ts';
import type { ClientLogger } from './logger.ts';
import { parseManifestText } from './manifest-text.ts';
import { defaultWriter, type LineWriter, type Outcome, outcomeLine } from './metrics.ts';
import type { Prompt } from './prompt.ts';
import type { ShadowCall, ShadowRunner, ShadowRunOptions } from './shadow.ts';
import type { AwsSdkClient } from './source-client.ts';
import { AgentSource } from './sources/agent.ts';
import { deferredSource } from './sources/deferred.ts';
import type { ManifestSource, SourceTarget } from './sources/source.ts';

export type SourceOptions =
  /** The AppConfig Agent Lambda extension. `url` defaults to http://localhost:$AWS_APPCONFIG_EXTENSION_HTTP_PORT (2772). */
  | { readonly type: 'agent'; readonly url?: string }
  /** The AppConfigData API. `client` (an `AppConfigDataClient`) defaults to one created on first use (region from the environment). */
  | { readonly type: 'sdk'; readonly client?: AwsSdkClient }
  /** A manifest JSON file, read on every refresh: for tests and local use. */
  | { readonly type: 'file'; readonly path: string };

export interface PromptClientOptions extends FeedbackSettings {
  /** AppConfig application name or id. */
  readonly application: string;
  /** AppConfig environment name or id (the PromptOps environment, e.g. `prod`). */
  readonly environment: string;
  /** AppConfig configuration profile. @default 'prompts' */
  readonly profile?: string;
  /**
   * Where the manifest comes from.
   * @default the agent when AWS_APPCONFIG_EXTENSION_HTTP_PORT is set or localhost:2772 answers, otherwise the SDK
   */
  readonly source?: SourceOptions;
  /** A manifest snapshot bundled with the app (`promptops snapshot`), served when the source fails before any success. @default none */
  readonly fallbackPath?: string;
  /** Seconds a fetched manifest is served before a background refresh. @default 45 (the agent's poll interval) */
  readonly maxAgeSeconds?: number;
  /**
   * Seconds one manifest load may take: the source's answer plus the S3 bodies it references (and,
   * separately, the fallback snapshot's load). Past it the load counts as failed, so the first `get`
   * serves the fallback snapshot instead of waiting on a hung endpoint, and the next refresh may
   * start. AWS SDK calls are aborted at the deadline, and SDK clients created by PromptClient also
   * time out each request after it. Each referenced version (manifest schema 2) fetched on its
   * prompt's first `get` has the same limit. At most 900. @default 5
   */
  readonly fetchTimeoutSeconds?: number;
  /** An `S3Client` for bodies stored by reference. @default one created on first use */
  readonly s3Client?: AwsSdkClient;
  /** Bucket for body references that name none, and for version objects. @default process.env.PROMPTOPS_BODY_BUCKET */
  readonly bodyBucket?: string;
  /**
   * Prompt ids fetched with each manifest load when their versions are stored by reference (an
   * environment past AppConfig's size limit, docs/architecture.md), so their first `get` does not
   * wait on S3. Other referenced prompts are fetched on their first `get`. @default none
   */
  readonly prefetch?: readonly string[];
  /** Receives rate-limited warnings (never prompt text or variable values), a moment after the failure: the logger's code loads with the first. @default one JSON line via console.warn */
  readonly logger?: ClientLogger;
  /** Receives each EMF line written by `record`. @default process.stdout.write (and, in local mode, PROMPTOPS_EMF_ENDPOINT) */
  readonly writeLine?: LineWriter;
  /** Shadow calls in flight at once (docs/shadows.md); a sampled call over it is dropped and counted. @default 2 */
  readonly shadowConcurrency?: number;
  /** Seconds one shadow call may run before it is abandoned (its signal aborted). At most 900. @default 30 */
  readonly shadowTimeoutSeconds?: number;
}

export interface GetOptions {
  /** A stable id (user, tenant, session): the same key always gets the same variant of an A/B split. */
  readonly key?: string | undefined;
  /**
   * The caller's segment (a user group such as `beta`, docs/segments.md): its pin when the prompt has
   * one, the default pin otherwise. `p.segment` says which served.
   */
  readonly segment?: string | undefined;
}

/** After a failed fetch, the next try comes sooner than `maxAgeSeconds` (but never before AppConfig allows). */
const RETRY_AFTER_FAILURE_MS = 5000;
/**
 * After a rejected manifest the source starts over (a new AppConfig session, which AppConfig answers at
 * once, with the full configuration). With nothing to serve, the next `get` may try that, but not
 * sooner than this: the same manifest is likely to be rejected again, and each try costs two AppConfig
 * calls and a full download, so a busy container must not send one per request.
 */
const RETRY_AFTER_REJECTION_MS = 1000;
const DEFAULT_FETCH_TIMEOUT_SECONDS = 5;
/** setTimeout's limit is about 24 days; a Lambda function runs at most 15 minutes. */
const MAX_FETCH_TIMEOUT_SECONDS = 900;

export class PromptClient {
  readonly #target: SourceTarget;
  readonly #source: ManifestSource;
  readonly #maxAgeMs: number;
  readonly #timeoutMs: number;
  readonly #fallbackPath: string | undefined;
  readonly #bodies: BodyStore;
  readonly #prefetch: readonly string[];
  readonly #log: Warnings;
  readonly #writeLine: LineWriter;
  /** What feedback and shadows read, when they are first used. */
  readonly #options: PromptClientOptions;
  #feedback: Promise<FeedbackSender> | undefined;
  #shadows: Promise<ShadowRunner> | undefined;

  #loaded: LoadedManifest | undefined;
  /** The latest fetch failed, or nothing was ever fetched and the fallback is served. */
  #stale = false;
  /** Text of the manifest last accepted from the source, to skip re-parsing an unchanged one. */
  #lastText: string | undefined;
  #refreshAt = 0;
  /** A TTL check is scheduled for the end of this event-loop turn (see `get`). */
  #checking = false;
  readonly #check = (): void => {
    this.#checking = false;
    if (this.#inflight === undefined && Date.now() >= this.#refreshAt) this.#startRefresh();
  };
  /** No fetch before this (epoch ms): set after a rejected manifest. */
  #retryAt = 0;
  #inflight: Promise<void> | undefined;
  #failure: unknown;
  #fallbackFailure: unknown;

  constructor(options: PromptClientOptions) {
    const problems = optionProblems(options);
    if (problems.length > 0) throw new TypeError(`Invalid PromptClient options: ${problems.join('; ')}`);
    this.#target = {
      application: options.application,
      environment: options.environment,
      profile: options.profile ?? CLIENT_APPCONFIG.profile,
    };
    const maxAgeSeconds = options.maxAgeSeconds ?? CLIENT_APPCONFIG.defaultPollIntervalSeconds;
    this.#maxAgeMs = maxAgeSeconds * 1000;
    this.#timeoutMs = (options.fetchTimeoutSeconds ?? DEFAULT_FETCH_TIMEOUT_SECONDS) * 1000;
    this.#source = createSource(this.#target, options.source, maxAgeSeconds, this.#timeoutMs);
    this.#fallbackPath = options.fallbackPath;
    this.#log = warnings(options.logger);
    this.#bodies = new BodyStore({
      client: options.s3Client,
      bucket: options.bodyBucket,
      timeoutMs: this.#timeoutMs,
      fallbackPath: options.fallbackPath,
      log: this.#log,
    });
    this.#prefetch = options.prefetch ?? [];
    this.#writeLine = options.writeLine ?? defaultWriter();
    this.#options = options;
  }

  /**
   * The prompt `id` as deployed to the environment. The first call loads the manifest; later calls
   * answer from memory. Rejects with `PromptNotFoundError` when the id is not deployed, and with
   * `PromptSourceError` only when no manifest could ever be loaded.
   */
  get(id: string, options?: GetOptions): Promise<Prompt> {
    const loaded = this.#loaded;
    if (loaded === undefined) return this.#firstGet(id, options);
    // The clock is read once per event-loop turn with gets, right after it (setImmediate), not by
    // every get: a clock read costs more than the rest of a cached get where it is a system call.
    // A refresh started then loses nothing: its fetch could not progress before the turn ends anyway.
    if (!this.#checking) {
      this.#checking = true;
      setImmediate(this.#check);
    }
    return this.#serve(loaded, id, options);
  }

  /**
   * Fetches now, or joins the fetch in flight. Never rejects: failures keep the last good manifest
   * and are logged. Settles within `fetchTimeoutSeconds` (twice that when it also loads the fallback
   * snapshot). With the SDK source it does nothing before AppConfig's next poll time.
   */
  refresh(): Promise<void> {
    return this.#inflight ?? this.#startRefresh();
  }

  /** Writes one EMF line with the outcome of using `prompt`. No network call; never throws. */
  record(prompt: Prompt, outcome: Outcome = {}): void {
    try {
      this.#writeLine(outcomeLine(prompt, outcome, Date.now()));
    } catch (error) {
      void this.#log.warn('Could not write the prompt metrics line', {}, error);
    }
  }

  /**
   * When `prompt` was sampled for its prompt's shadow (`prompt.shadow` is set, docs/shadows.md),
   * starts `call(prompt.shadow, signal)` in the background and records the candidate's outcome with
   * Role=shadow; otherwise does nothing. Returns nothing and never throws: there is nothing to
   * await, so the primary response never waits on the candidate. Over `shadowConcurrency` the call
   * is dropped (counted in ShadowDrops); past `shadowTimeoutSeconds` it is abandoned and `signal` aborts.
   * Where the environment captures shadow outputs, `options.primaryOutput` and the output `call`
   * returns are stored as one pair for comparison (docs/shadows.md).
   */
  runShadow(prompt: Prompt, call: ShadowCall, options?: ShadowRunOptions): void {
    const candidate = prompt?.shadow;
    if (candidate === undefined || typeof call !== 'function') return;
    this.#shadows ??= import('./shadow.ts').then((m) =>
      m.shadowRunner(this.#options, this.#writeLine, this.#log),
    );
    // run never rejects; the catch is for the module load alone.
    this.#shadows.then((runner) => runner.run(candidate, call, prompt, options)).catch(() => undefined);
  }

  /** Sends a user's rating of `prompt` to the PromptOps API (POST /feedback, SigV4). Rejects with `FeedbackError`. */
  feedback(prompt: Prompt, input: FeedbackInput): Promise<{ id: string }> {
    this.#feedback ??= import('./feedback.ts').then((m) => new m.FeedbackSender(this.#options));
    return this.#feedback.then((sender) => sender.send(prompt, input));
  }

  #serve(loaded: LoadedManifest, id: string, options: GetOptions | undefined): Promise<Prompt> {
    const prompt = loaded.prompts.get(id);
    if (prompt === undefined) {
      return Promise.reject(
        new PromptNotFoundError(id, loaded.manifest.environment, [...loaded.prompts.keys()]),
      );
    }
    const version = prompt.pick(options?.key, options?.segment);
    return this.#stale ? version.stale : version.fresh;
  }

  async #firstGet(id: string, options: GetOptions | undefined): Promise<Prompt> {
    await (this.#inflight ?? this.#startRefresh());
    const loaded = this.#loaded;
    if (loaded === undefined) {
      // The failures as they are now, when this load ended: the error's text is loaded only now.
      const failures = [this.#failure, this.#fallbackFailure] as const;
      const { noManifestError } = await import('./fallback.ts');
      throw noManifestError(this.#target, this.#source.description, this.#fallbackPath, ...failures);
    }
    return this.#serve(loaded, id, options);
  }

  #startRefresh(): Promise<void> {
    const flight = this.#refresh()
      .catch((error: unknown) => this.#log.warn('Prompt refresh failed unexpectedly', {}, error))
      .finally(() => {
        this.#inflight = undefined;
      });
    this.#inflight = flight;
    return flight;
  }

  async #refresh(): Promise<void> {
    const source = this.#source;
    if (Date.now() < Math.max(source.nextFetchAt, this.#retryAt)) return;
    let received = false;
    try {
      // Only what comes back before the deadline is kept: work abandoned by it changes nothing here.
      const update = await withDeadline(this.#timeoutMs, source.description, async (signal) => {
        const text = await source.fetch(signal);
        if (text === undefined ? this.#lastText !== undefined : text === this.#lastText) return undefined;
        received = true;
        if (text === undefined) {
          throw new PromptSourceError(`${source.description} reported no change before sending any manifest`);
        }
        const manifest = await parseManifestText(text, source.description);
        return { text, loaded: await loadManifest(manifest, this.#bodies, this.#loaded, false) };
      });
      if (update !== undefined) {
        this.#loaded = update.loaded;
        this.#lastText = update.text;
      }
      this.#stale = false;
      this.#failure = undefined;
      this.#refreshAt = Math.max(Date.now() + this.#maxAgeMs, source.nextFetchAt);
      // Each fetch has its own timeout, and a failed one is served as any referenced prompt's is.
      await update?.loaded.prefetch?.(this.#prefetch);
    } catch (error) {
      if (received) {
        // A rejected manifest must come again in full next time, not as "unchanged": the source starts
        // over, which AppConfig allows at once, so only a short pause holds the next try back.
        source.reset();
        this.#retryAt = Date.now() + RETRY_AFTER_REJECTION_MS;
      }
      this.#failure = error;
      this.#refreshAt = Math.max(
        Date.now() + Math.min(this.#maxAgeMs, RETRY_AFTER_FAILURE_MS),
        source.nextFetchAt,
      );
      await this.#log.warn(
        this.#loaded
          ? 'Prompt refresh failed; serving the last good manifest'
          : 'Prompt manifest load failed',
        { source: source.description },
        error,
      );
      if (this.#loaded) this.#stale = true;
      else await this.#loadFallback();
    }
  }

  async #loadFallback(): Promise<void> {
    const path = this.#fallbackPath;
    if (path === undefined) return;
    const { loadFallback } = await import('./fallback.ts');
    this.#fallbackFailure = await loadFallback(path, this.#timeoutMs, this.#bodies, this.#log, (loaded) => {
      if (this.#loaded) return false;
      this.#loaded = loaded;
      this.#stale = true;
      return true;
    });
  }
}

/** Writes a warning, with what may be logged of `error` (logger.ts `errorDetails`); settles once it is written. */
interface Warnings extends ClientLogger {
  warn(message: string, details: Readonly<Record<string, unknown>>, error?: unknown): Promise<void>;
}

/**
 * Warnings come from failures alone, so the rate limiter and the error summary (logger.ts) are
 * loaded with the first one. Warnings are written in the order given, never throw and never reject.
 */
function warnings(logger: ClientLogger | undefined): Warnings {
  let write: Promise<ReturnType<typeof import('./logger.ts').errorWarnings>> | undefined;
  return {
    warn(message, details, error) {
      write ??= import('./logger.ts').then((m) => m.errorWarnings(logger));
      return write.then(
        (warn) => warn(message, details, error),
        () => undefined,
      );
    },
  };
}

function createSource(
  target: SourceTarget,
  source: SourceOptions | undefined,
  maxAgeSeconds: number,
  timeoutMs: number,
): ManifestSource {
  if (source?.type === 'agent') return new AgentSource(target, source.url, timeoutMs);
  // Named before it is chosen, in warnings and errors; the code of every other source is loaded then.
  const description =
    source === undefined
      ? 'AppConfig (agent or SDK, not chosen yet)'
      : source.type === 'sdk'
        ? `AppConfigData ${target.application}/${target.environment}/${target.profile}`
        : `file ${source.path}`;
  return deferredSource(description, () =>
    import('./sources/lazy.ts').then((m) => m.openSource(target, source, maxAgeSeconds, timeoutMs)),
  );
}

type Check = (value: unknown) => boolean;
const nonEmpty: Check = (value) => typeof value === 'string' && value !== '';
const optional =
  (check: Check): Check =>
  (value) =>
    value === undefined || check(value);
const STRING = 'a non-empty string';
const SECONDS: [Check, string] = [
  optional((value) => typeof value === 'number' && value > 0 && value <= MAX_FETCH_TIMEOUT_SECONDS),
  `a number above 0 and at most ${MAX_FETCH_TIMEOUT_SECONDS}`,
];
/** Each option's check and what it must be, in the order problems are reported. */
const OPTION_RULES: [string, Check, string][] = [
  ['application', nonEmpty, STRING],
  ['environment', nonEmpty, STRING],
  ['profile', optional(nonEmpty), STRING],
  ['fallbackPath', optional(nonEmpty), STRING],
  ['maxAgeSeconds', optional((value) => Number.isFinite(value) && (value as number) > 0), 'a number above 0'],
  ['fetchTimeoutSeconds', ...SECONDS],
  ['shadowTimeoutSeconds', ...SECONDS],
  [
    'shadowConcurrency',
    optional((value) => Number.isInteger(value) && (value as number) >= 1),
    'a whole number of at least 1',
  ],
  ['prefetch', optional((value) => Array.isArray(value) && value.every(nonEmpty)), 'a list of prompt ids'],
];

function optionProblems(options: PromptClientOptions): string[] {
  if (typeof options !== 'object' || options === null) return ['options must be an object'];
  const source = options.source as { type?: unknown; path?: unknown } | undefined;
  const values: Record<string, unknown> = {
    ...options,
    'source.type': source?.type,
    'source.path': source?.path,
  };
  const rules = [...OPTION_RULES];
  if (source !== undefined) {
    rules.push([
      'source.type',
      (type) => ['agent', 'sdk', 'file'].includes(type as string),
      '"agent", "sdk" or "file"',
    ]);
    if (source.type === 'file') rules.push(['source.path', nonEmpty, STRING]);
  }
  return rules
    .filter(([name, check]) => !check(values[name]))
    .map(([name, , what]) => `${name} must be ${what}, got ${JSON.stringify(values[name])}`);
}
