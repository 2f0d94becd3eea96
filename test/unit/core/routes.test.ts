import { describe, expect, it } from 'vitest';
import { API_ROUTES, type HandlerName, matchRoute, routeKey, routeKeysOf } from '../../../src/core/routes.ts';

describe('routeKeysOf', () => {
  it('gives the route keys of one handler, in table order', () => {
    expect(routeKeysOf('deploy')).toEqual([
      'POST /environments/{env}/deployments',
      'POST /environments/{env}/rollback',
      'GET /environments/{env}',
      'GET /environments/{env}/incident',
      'GET /environments/{env}/revisions',
    ]);
    expect(routeKeysOf('metrics')).toEqual(['POST /metrics']);
  });

  it('covers every route exactly once across the handlers', () => {
    const handlers: HandlerName[] = [
      'publish',
      'review',
      'query',
      'deploy',
      'feedback',
      'metrics',
      'evaluate',
    ];
    const keys = handlers.flatMap((h) => routeKeysOf(h));
    expect(keys.sort()).toEqual(API_ROUTES.map(routeKey).sort());
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('matchRoute', () => {
  it('matches a template and decodes its parameters', () => {
    const match = matchRoute('GET', '/prompts/support%2Dreply/versions/1.0.0');
    expect(match?.routeKey).toBe('GET /prompts/{id}/versions/{version}');
    expect(match?.route.handler).toBe('query');
    expect(match?.pathParameters).toEqual({ id: 'support-reply', version: '1.0.0' });
  });

  it('matches no empty segment, other method or unknown path', () => {
    expect(matchRoute('GET', '/prompts//versions')).toBeUndefined();
    expect(matchRoute('DELETE', '/prompts')).toBeUndefined();
    expect(matchRoute('GET', '/nope')).toBeUndefined();
  });
});
