/**
 * Who may call which routes of the HTTP API (docs/api.md). The roles are what the PromptOps
 * construct's grant methods hand out as execute-api:Invoke permissions; each is a filter over
 * API_ROUTES, so a new route joins the roles its method, path and handler put it in.
 */
import { API_ROUTES, type ApiRoute } from '../../src/core/routes.ts';
import type { RouteSpec } from '../constructs/prompt-api.ts';

function routes(predicate: (route: ApiRoute) => boolean): RouteSpec[] {
  return API_ROUTES.filter(predicate).map(({ method, path }) => ({ method, path }));
}

const isPromptPath = (path: string) => path === '/prompts' || path.startsWith('/prompts/');

/**
 * Reading prompts, versions, diffs, feedback reports and feedback comments (never user or session
 * ids or their hashes): part of every role that changes prompts, since authors refine prompts from
 * their feedback. Listed
 * explicitly because IAM's `*` spans `/`: `GET /prompts/{id}` (`GET/prompts/*`) already matches every
 * GET route below `/prompts/`, so a narrower grant is not expressible without denies.
 */
export const PROMPT_READ_ROUTES: readonly RouteSpec[] = routes(
  (route) => route.method === 'GET' && isPromptPath(route.path),
);

/**
 * Authors: publish versions, archive and unarchive prompts, upload their prompts' evaluation suites,
 * start evaluation runs, and read which of their pinned versions are due for review.
 */
export const PUBLISHER_ROUTES: readonly RouteSpec[] = [
  ...routes((route) => route.method === 'POST' && route.handler === 'publish'),
  ...routes((route) => route.method === 'GET' && route.path === '/review-due'),
  ...routes((route) => route.method !== 'GET' && route.handler === 'evaluate'),
  ...PROMPT_READ_ROUTES,
];

/** Reviewers: approve versions, and deprecate them or lift a deprecation (docs/maintenance.md). */
export const REVIEWER_ROUTES: readonly RouteSpec[] = [
  ...routes((route) => route.method !== 'GET' && route.handler === 'review'),
  ...PROMPT_READ_ROUTES,
];

const DEPLOY_ROUTES = routes((route) => route.handler === 'deploy');

/** Deploying and rolling back, in the given environments (`{env}` for all of them). */
export function deployerRoutes(environments: readonly string[] | undefined): RouteSpec[] {
  const envs = environments ?? ['{env}'];
  return [
    ...envs.flatMap((env) =>
      DEPLOY_ROUTES.map((route) => ({ method: route.method, path: route.path.replace('{env}', env) })),
    ),
    ...PROMPT_READ_ROUTES,
  ];
}

/** On call: read everything, and roll back any environment. */
export const OPERATOR_ROUTES: readonly RouteSpec[] = [
  ...PROMPT_READ_ROUTES,
  ...routes((route) => route.method === 'GET' && !isPromptPath(route.path)),
  ...routes(
    (route) => route.method === 'POST' && route.handler === 'deploy' && route.path.endsWith('/rollback'),
  ),
];

/** Apps reporting outcomes: user feedback and metric records. */
export const FEEDBACK_SENDER_ROUTES: readonly RouteSpec[] = routes(
  (route) => route.method === 'POST' && (route.handler === 'feedback' || route.handler === 'metrics'),
);
