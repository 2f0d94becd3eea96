/**
 * A handler's dispatch table, keyed by the route keys `API_ROUTES` (src/core/routes.ts) gives that
 * handler. The compiler checks the keys; the check at module load also catches a table that a
 * cast or a changed route list has put out of step, so a cold start fails instead of a request.
 */
import {
  API_ROUTES,
  type ApiRoute,
  type HandlerName,
  type RouteKeyOf,
  routeKeysOf,
} from '../../src/core/routes.ts';

export class RouteTableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RouteTableError';
  }
}

export interface RouteTable<T> {
  readonly handler: HandlerName;
  /** The entry for a request's `routeKey`; undefined for a route this handler does not serve. */
  find(routeKey: string): T | undefined;
}

export function routeTable<H extends HandlerName, T>(
  handler: H,
  entries: Readonly<Record<RouteKeyOf<H>, T>>,
  routes: readonly ApiRoute[] = API_ROUTES,
): RouteTable<T> {
  const expected = new Set<string>(routeKeysOf(handler, routes));
  const given = Object.keys(entries);
  const missing = [...expected].filter((key) => !given.includes(key));
  const extra = given.filter((key) => !expected.has(key));
  const problems = [
    ...(missing.length > 0 ? [`missing ${missing.join(', ')}`] : []),
    ...(extra.length > 0 ? [`not in API_ROUTES: ${extra.join(', ')}`] : []),
  ];
  if (problems.length > 0) {
    throw new RouteTableError(
      `The ${handler} handler's routes do not match API_ROUTES: ${problems.join('; ')}`,
    );
  }
  const table = new Map<string, T>(Object.entries(entries) as [string, T][]);
  return { handler, find: (routeKey) => table.get(routeKey) };
}
