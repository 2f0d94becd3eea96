/**
 * The PromptOps HTTP API over fetch. AWS endpoints are SigV4-signed with the default credential
 * chain; local mode (loopback) is called unsigned, with `x-promptops-user` naming the caller.
 * Error answers become `ApiError` carrying the problem details; a 429 is retried with backoff
 * (a refused request writes nothing, docs/api.md).
 */

import type { ListPage, ReceivedProblem } from '../core/api.ts';
import { IDEMPOTENCY_KEY_HEADER, newIdempotencyKey } from '../core/idempotency-key.ts';
import type { Target } from './config.ts';
import { ApiError, CliError } from './errors.ts';
import { type SignOptions, signRequest } from './signer.ts';

export const USER_HEADER = 'x-promptops-user';

export type Auth =
  | { readonly kind: 'local'; readonly user?: string }
  | { readonly kind: 'sigv4'; readonly sign: SignOptions };

export interface ApiClientOptions {
  readonly endpoint: string;
  readonly auth: Auth;
  /** Request log lines (`--debug`). */
  readonly debug?: (line: string) => void;
  /** @default 30 000 */
  readonly timeoutMs?: number;
  /** Attempts for a throttled (429) request. @default 4 */
  readonly attempts?: number;
}

export interface ApiRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
}

export interface ApiResponse<T> {
  readonly status: number;
  readonly body: T;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function authFor(target: Target, user: string | undefined): Auth {
  if (target.local) return user === undefined ? { kind: 'local' } : { kind: 'local', user };
  if (!target.region) {
    throw new CliError(`No region to sign requests to ${target.endpoint}`, {
      details: ['Set AWS_REGION, or "region" in promptops.config.json.'],
    });
  }
  return { kind: 'sigv4', sign: { region: target.region } };
}

/** One path segment, encoded (ids, versions and environment names are safe, but input is input). */
export function segment(value: string): string {
  return encodeURIComponent(value);
}

export class ApiClient {
  readonly endpoint: string;
  readonly #auth: Auth;
  readonly #debug: ((line: string) => void) | undefined;
  readonly #timeoutMs: number;
  readonly #attempts: number;

  constructor(options: ApiClientOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, '');
    this.#auth = options.auth;
    this.#debug = options.debug;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#attempts = options.attempts ?? 4;
  }

  async get<T>(path: string, query?: ApiRequest['query']): Promise<T> {
    return (await this.request<T>({ method: 'GET', path, ...(query ? { query } : {}) })).body;
  }

  async post<T>(path: string, body?: unknown): Promise<ApiResponse<T>> {
    return this.request<T>({ method: 'POST', path, ...(body !== undefined ? { body } : {}) });
  }

  async put<T>(path: string, body: unknown): Promise<ApiResponse<T>> {
    return this.request<T>({ method: 'PUT', path, body });
  }

  async delete<T>(path: string): Promise<ApiResponse<T>> {
    return this.request<T>({ method: 'DELETE', path });
  }

  /** Every page of a list route, following `nextCursor`. */
  async getAll<T>(path: string, query: Readonly<Record<string, string | undefined>> = {}): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.get<ListPage<T>>(path, {
        ...query,
        limit: '100',
        cursor,
      });
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }

  url(path: string, query?: ApiRequest['query']): URL {
    const url = new URL(`${this.endpoint}/${path.replace(/^\/+/, '')}`);
    for (const [key, value] of Object.entries(query ?? {}))
      if (value !== undefined) url.searchParams.set(key, value);
    return url;
  }

  async request<T>(request: ApiRequest): Promise<ApiResponse<T>> {
    const url = this.url(request.path, request.query);
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    // A write carries one Idempotency-Key for all its attempts, so retrying a 5xx or a lost
    // response is safe: the API applies it once (docs/architecture.md, "Idempotent writes").
    const key = request.method === 'GET' ? undefined : newIdempotencyKey();
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      let response: Response;
      try {
        response = await this.#send(request.method, url, body, key);
      } catch (error) {
        if (key === undefined || attempt >= this.#attempts) throw error;
        this.#debug?.(`${request.method} ${url.href} -> no answer; retrying with the same Idempotency-Key`);
        await sleep(250 * 2 ** attempt);
        continue;
      }
      const text = await response.text();
      this.#debug?.(
        `${request.method} ${url.href} -> ${response.status} (${Math.round(performance.now() - started)} ms)`,
      );
      if (response.status === 429 && attempt < this.#attempts) {
        const retryAfter = Number(response.headers.get('retry-after'));
        await sleep(
          Math.min(
            5_000,
            Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 250 * 2 ** attempt,
          ),
        );
        continue;
      }
      if (key !== undefined && response.status >= 500 && attempt < this.#attempts) {
        await sleep(250 * 2 ** attempt);
        continue;
      }
      if (!response.ok) throw new ApiError(request.method, url.pathname, problemOf(response, text));
      if (text === '') return { status: response.status, body: undefined as T };
      try {
        return { status: response.status, body: JSON.parse(text) as T };
      } catch {
        throw new CliError(
          `${request.method} ${url.pathname} answered ${response.status} with a body that is not JSON`,
          {
            details: [text.slice(0, 200)],
          },
        );
      }
    }
  }

  async #send(method: string, url: URL, body: string | undefined, key?: string): Promise<Response> {
    let headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
    if (key !== undefined) headers[IDEMPOTENCY_KEY_HEADER] = key;
    if (this.#auth.kind === 'local') {
      if (this.#auth.user !== undefined) headers[USER_HEADER] = this.#auth.user;
    } else {
      headers = await signRequest(
        { method, url, headers, ...(body !== undefined ? { body } : {}) },
        this.#auth.sign,
      );
    }
    try {
      return await fetch(url, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      const reason = (error as Error & { cause?: { code?: string; message?: string } }).cause;
      const why = reason?.code ?? reason?.message ?? (error as Error).message;
      throw new CliError(`Could not reach the PromptOps API at ${url.origin}: ${why}`, {
        cause: error,
        details:
          this.#auth.kind === 'local'
            ? ['Is local mode running? Start it with `promptops dev` (or `npm start`).']
            : ['Check --endpoint (or promptops.config.json / cdk-outputs.json) and your network.'],
      });
    }
  }
}

function problemOf(response: Response, text: string): ReceivedProblem {
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    if (typeof parsed === 'object' && parsed !== null) {
      // API Gateway's own refusals (a missing or bad signature) are `{"message": "..."}`.
      if (typeof parsed.detail !== 'string' && typeof parsed.message === 'string') {
        return { status: response.status, title: response.statusText, detail: parsed.message };
      }
      return {
        ...parsed,
        status: typeof parsed.status === 'number' ? parsed.status : response.status,
      } as ReceivedProblem;
    }
  } catch {
    // Not JSON: a proxy's or gateway's error page.
  }
  return {
    status: response.status,
    title: response.statusText,
    detail: `HTTP ${response.status} ${response.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`,
  };
}
