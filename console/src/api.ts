/**
 * The console's calls: to its own origin, where local mode answers them or `promptops console`
 * signs and forwards them (docs/console.md). Every call carries the console header; in local mode it
 * also carries `x-promptops-user`, the identity a person picked. An error answer becomes
 * `ApiProblem` with the server's problem details, which the pages show as they are.
 */
import type { ReceivedProblem } from '../../src/core/api.ts';
import {
  CONSOLE_REQUEST_HEADER,
  CONSOLE_SETTINGS_PATH,
  type ConsoleSettings,
} from '../../src/core/console-contract.ts';

export const USER_HEADER = 'x-promptops-user';
const USER_KEY = 'promptops.console.user';

export class ApiProblem extends Error {
  readonly problem: ReceivedProblem;
  readonly method: string;
  readonly path: string;

  constructor(method: string, path: string, problem: ReceivedProblem, options?: ErrorOptions) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`, options);
    this.name = 'ApiProblem';
    this.problem = problem;
    this.method = method;
    this.path = path;
  }
}

let actingAs: string | undefined = readStoredUser();

function readStoredUser(): string | undefined {
  try {
    return localStorage.getItem(USER_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Local mode only: the caller every later call acts as (empty: local mode's default user). */
export function setActingAs(user: string): void {
  actingAs = user.trim() === '' ? undefined : user.trim();
  try {
    if (actingAs) localStorage.setItem(USER_KEY, actingAs);
    else localStorage.removeItem(USER_KEY);
  } catch {
    // Storage may be off (private windows); the choice then lasts for this page only.
  }
}

export function getActingAs(): string | undefined {
  return actingAs;
}

let mode: ConsoleSettings['mode'] = 'local';

export async function loadSettings(): Promise<ConsoleSettings> {
  // Plain, as index.html preloads it: the preloaded answer is used only for an identical request.
  const response = await fetch(CONSOLE_SETTINGS_PATH);
  if (!response.ok) throw new Error(`The console's settings did not load: HTTP ${response.status}`);
  const settings = (await response.json()) as ConsoleSettings;
  mode = settings.mode;
  return settings;
}

export interface RequestOptions {
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
}

export async function request<T>(
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  options: RequestOptions = {},
): Promise<{ status: number; body: T }> {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(options.query ?? {}))
    if (value !== undefined && value !== '') search.set(key, value);
  const url = `${path}${search.size > 0 ? `?${search}` : ''}`;
  const headers: Record<string, string> = { [CONSOLE_REQUEST_HEADER]: '1', accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (mode === 'local' && actingAs) headers[USER_HEADER] = actingAs;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
  } catch (error) {
    throw new ApiProblem(
      method,
      path,
      {
        status: 0,
        title: 'Not reachable',
        detail: `The console's server did not answer: ${(error as Error).message}`,
      },
      { cause: error },
    );
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) throw new ApiProblem(method, path, problemOf(response, body, text));
  return { status: response.status, body: body as T };
}

export const get = async <T>(path: string, query?: RequestOptions['query']): Promise<T> =>
  (await request<T>('GET', path, query ? { query } : {})).body;

export const post = <T>(path: string, body?: unknown) =>
  request<T>('POST', path, body === undefined ? {} : { body });

/** One path segment, encoded. */
export const seg = (value: string) => encodeURIComponent(value);

function problemOf(response: Response, body: unknown, text: string): ReceivedProblem {
  if (typeof body === 'object' && body !== null) {
    const parsed = body as Record<string, unknown>;
    // API Gateway's own refusals (a bad signature) are `{"message": "..."}`.
    if (typeof parsed.detail !== 'string' && typeof parsed.message === 'string')
      return { status: response.status, title: response.statusText, detail: parsed.message };
    return { ...parsed, status: typeof parsed.status === 'number' ? parsed.status : response.status };
  }
  return {
    status: response.status,
    title: response.statusText,
    detail: `HTTP ${response.status} ${response.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`,
  };
}

/** Every page of a list route, following `nextCursor` (at most `maxPages`). */
export async function getAll<T>(
  path: string,
  query: Readonly<Record<string, string | undefined>> = {},
  maxPages = 20,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await get<{ items: readonly T[]; nextCursor?: string }>(path, {
      ...query,
      limit: '100',
      cursor,
    });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && ++pages < maxPages);
  return items;
}
