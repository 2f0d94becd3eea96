import { describe, expect, it } from 'vitest';
import { RouteTableError, routeTable } from '../../../lambda/runtime/route-table.ts';
import { API_ROUTES, type HandlerName, routeKeysOf } from '../../../src/core/routes.ts';

describe('routeTable', () => {
  it('finds the entry of each of its routes', () => {
    const table = routeTable('deploy', {
      'POST /environments/{env}/deployments': 'deploy',
      'POST /environments/{env}/rollback': 'rollback',
      'GET /environments/{env}': 'status',
      'GET /environments/{env}/incident': 'incident',
      'GET /environments/{env}/revisions': 'revisions',
    });
    expect(table.find('POST /environments/{env}/rollback')).toBe('rollback');
    expect(table.find('GET /prompts')).toBeUndefined();
  });

  it('refuses a table that misses a route of API_ROUTES', () => {
    const entries = { 'POST /feedback': 1 } as unknown as Record<
      'POST /feedback' | 'GET /prompts/{id}/feedback',
      number
    >;
    expect(() => routeTable('feedback', entries)).toThrow(RouteTableError);
    expect(() => routeTable('feedback', entries)).toThrow(
      "The feedback handler's routes do not match API_ROUTES: missing GET /prompts/{id}/feedback",
    );
  });

  it('refuses a table with a route API_ROUTES does not give the handler', () => {
    const entries = { 'POST /metrics': 1, 'GET /metrics': 2 } as Record<'POST /metrics', number>;
    expect(() => routeTable('metrics', entries)).toThrow(
      "The metrics handler's routes do not match API_ROUTES: not in API_ROUTES: GET /metrics",
    );
  });

  it('checks against the route list it is given', () => {
    const routes = [{ method: 'GET', path: '/only', handler: 'query' }] as const;
    expect(() => routeTable('query', { 'GET /prompts': 1 } as never, routes)).toThrow(
      'missing GET /only; not in API_ROUTES: GET /prompts',
    );
  });

  it.each([
    'deploy',
    'feedback',
    'query',
  ] as HandlerName[])('the %s handler module loads, so its table covers exactly its routes', async (name) => {
    const module = (await import(`../../../lambda/handlers/${name}.ts`)) as { handler: unknown };
    expect(typeof module.handler).toBe('function');
    expect(routeKeysOf(name).length).toBe(API_ROUTES.filter((r) => r.handler === name).length);
  });
});
