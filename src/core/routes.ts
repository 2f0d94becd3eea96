/**
 * The HTTP API: every route and the handler that serves it. The CDK stack, the local gateway and
 * the docs are built from this one table.
 */

export type HandlerName = 'publish' | 'review' | 'query' | 'deploy' | 'feedback' | 'metrics' | 'evaluate';

export interface ApiRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway path template: `{name}` matches one path segment. */
  readonly path: string;
  readonly handler: HandlerName;
}

const ROUTES = [
  { method: 'POST', path: '/prompts/{id}/versions', handler: 'publish' },
  { method: 'POST', path: '/prompts/{id}/versions/{version}/approvals', handler: 'review' },
  { method: 'GET', path: '/prompts', handler: 'query' },
  { method: 'GET', path: '/prompts/{id}', handler: 'query' },
  { method: 'GET', path: '/prompts/{id}/versions', handler: 'query' },
  { method: 'GET', path: '/prompts/{id}/versions/{version}', handler: 'query' },
  { method: 'GET', path: '/prompts/{id}/diff', handler: 'query' },
  { method: 'GET', path: '/audit', handler: 'query' },
  { method: 'POST', path: '/environments/{env}/deployments', handler: 'deploy' },
  { method: 'POST', path: '/environments/{env}/rollback', handler: 'deploy' },
  { method: 'GET', path: '/environments/{env}', handler: 'deploy' },
  { method: 'GET', path: '/environments/{env}/incident', handler: 'deploy' },
  { method: 'POST', path: '/feedback', handler: 'feedback' },
  { method: 'GET', path: '/prompts/{id}/feedback', handler: 'feedback' },
  { method: 'POST', path: '/metrics', handler: 'metrics' },
  { method: 'PUT', path: '/prompts/{id}/eval-suite', handler: 'evaluate' },
  { method: 'GET', path: '/prompts/{id}/eval-suite', handler: 'evaluate' },
  { method: 'POST', path: '/prompts/{id}/versions/{version}/evaluations', handler: 'evaluate' },
  { method: 'GET', path: '/prompts/{id}/versions/{version}/evaluations', handler: 'evaluate' },
  { method: 'GET', path: '/prompts/{id}/versions/{version}/evaluations/{evaluationId}', handler: 'evaluate' },
  { method: 'GET', path: '/prompts/{id}/metrics', handler: 'query' },
  // Library maintenance (docs/maintenance.md): deprecation takes a reviewer's rights, archival an author's.
  { method: 'POST', path: '/prompts/{id}/versions/{version}/deprecation', handler: 'review' },
  { method: 'DELETE', path: '/prompts/{id}/versions/{version}/deprecation', handler: 'review' },
  { method: 'POST', path: '/prompts/{id}/archive', handler: 'publish' },
  { method: 'POST', path: '/prompts/{id}/unarchive', handler: 'publish' },
  { method: 'GET', path: '/review-due', handler: 'query' },
  // Feedback items with their comments (docs/feedback.md): read-only, so the query handler serves it.
  { method: 'GET', path: '/prompts/{id}/feedback/items', handler: 'query' },
  // Shadow comparison (docs/shadows.md): read-only metrics, so the query handler serves it.
  { method: 'GET', path: '/prompts/{id}/shadow', handler: 'query' },
  // An environment's whole deployment history, a page at a time (docs/api.md, "Pagination").
  { method: 'GET', path: '/environments/{env}/revisions', handler: 'deploy' },
] as const satisfies readonly ApiRoute[];

export const API_ROUTES: readonly ApiRoute[] = ROUTES;

/**
 * The route keys (`METHOD /path`) a handler serves, as literal types, so the compiler checks a
 * dispatch table keyed by them.
 */
export type RouteKeyOf<H extends HandlerName> =
  Extract<(typeof ROUTES)[number], { readonly handler: H }> extends infer R
    ? R extends { readonly method: infer M extends string; readonly path: infer P extends string }
      ? `${M} ${P}`
      : never
    : never;

export function routeKey(route: Pick<ApiRoute, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

/** The route keys of the routes `handler` serves, in table order. */
export function routeKeysOf<H extends HandlerName>(
  handler: H,
  routes: readonly ApiRoute[] = API_ROUTES,
): RouteKeyOf<H>[] {
  return routes.filter((route) => route.handler === handler).map((route) => routeKey(route) as RouteKeyOf<H>);
}

export interface RouteMatch {
  readonly route: ApiRoute;
  readonly routeKey: string;
  /** Decoded path parameters, as API Gateway passes them. */
  readonly pathParameters: Record<string, string>;
}

/** Matches a request path (without query string) as API Gateway HTTP APIs do. */
export function matchRoute(
  method: string,
  path: string,
  routes: readonly ApiRoute[] = API_ROUTES,
): RouteMatch | undefined {
  const segments = path.split('/').slice(1);
  for (const route of routes) {
    if (route.method !== method) continue;
    const template = route.path.split('/').slice(1);
    if (template.length !== segments.length) continue;
    const pathParameters: Record<string, string> = {};
    let matched = true;
    for (let i = 0; i < template.length && matched; i++) {
      const part = template[i] as string;
      const segment = segments[i] as string;
      if (part.startsWith('{') && part.endsWith('}')) {
        if (segment === '') matched = false;
        else pathParameters[part.slice(1, -1)] = safeDecode(segment);
      } else matched = part === segment;
    }
    if (matched) return { route, routeKey: routeKey(route), pathParameters };
  }
  return undefined;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
