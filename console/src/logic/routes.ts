/**
 * The console's hash routes (`#/prompts/support-reply`): a pattern per view, `:name` for one decoded
 * path segment. Hash routes need no server fallback, so any static server can serve the console.
 */

export interface RouteMatch {
  readonly pattern: string;
  readonly params: Readonly<Record<string, string>>;
}

/** The path part of a location hash (`#/audit?x=1` -> `/audit`), `/` when empty. */
export function hashPath(hash: string): { path: string; query: URLSearchParams } {
  const raw = hash.replace(/^#/, '') || '/';
  const at = raw.indexOf('?');
  return {
    path: at === -1 ? raw : raw.slice(0, at),
    query: new URLSearchParams(at === -1 ? '' : raw.slice(at + 1)),
  };
}

/** The first pattern that matches `path`, with its parameters. */
export function matchPath(patterns: readonly string[], path: string): RouteMatch | undefined {
  const segments = path.split('/').filter((s) => s !== '');
  for (const pattern of patterns) {
    const parts = pattern.split('/').filter((s) => s !== '');
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let matched = true;
    for (let i = 0; i < parts.length && matched; i++) {
      const part = parts[i] as string;
      const segment = segments[i] as string;
      if (part.startsWith(':')) {
        try {
          params[part.slice(1)] = decodeURIComponent(segment);
        } catch {
          matched = false;
        }
      } else matched = part === segment;
    }
    if (matched) return { pattern, params };
  }
  return undefined;
}

/** `#/prompts/a%20b` from `/prompts/:id` and `{id: 'a b'}`. */
export function href(
  pattern: string,
  params: Readonly<Record<string, string>> = {},
  query?: Record<string, string>,
): string {
  const path = pattern.replace(/:([A-Za-z]+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
  const search = query
    ? new URLSearchParams(Object.entries(query).filter(([, v]) => v !== '')).toString()
    : '';
  return `#${path}${search ? `?${search}` : ''}`;
}
