/**
 * Who may call which routes of the HTTP API (CONTRACT.md section 2). The roles are what the PromptOps
 * construct's grant methods hand out as execute-api:Invoke permissions.
 */
import type { RouteSpec } from '../constructs/prompt-api.ts';

/**
 * Reading prompts, versions, diffs and feedback reports (aggregate counts, no comments or ids): part
 * of every role that changes prompts, since authors refine prompts from their feedback. Listed
 * explicitly because IAM's `*` spans `/`: `GET /prompts/{id}` (`GET/prompts/*`) already matches every
 * GET route below `/prompts/`, so a narrower grant is not expressible without denies.
 */
export const PROMPT_READ_ROUTES: readonly RouteSpec[] = [
  { method: 'GET', path: '/prompts' },
  { method: 'GET', path: '/prompts/{id}' },
  { method: 'GET', path: '/prompts/{id}/versions' },
  { method: 'GET', path: '/prompts/{id}/versions/{version}' },
  { method: 'GET', path: '/prompts/{id}/diff' },
  { method: 'GET', path: '/prompts/{id}/feedback' },
];

export const PUBLISHER_ROUTES: readonly RouteSpec[] = [
  { method: 'POST', path: '/prompts/{id}/versions' },
  ...PROMPT_READ_ROUTES,
];

export const REVIEWER_ROUTES: readonly RouteSpec[] = [
  { method: 'POST', path: '/prompts/{id}/versions/{version}/approvals' },
  ...PROMPT_READ_ROUTES,
];

/** Deploying and rolling back, in the given environments (`{env}` for all of them). */
export function deployerRoutes(environments: readonly string[] | undefined): RouteSpec[] {
  const envs = environments ?? ['{env}'];
  return [
    ...envs.flatMap((env): RouteSpec[] => [
      { method: 'POST', path: `/environments/${env}/deployments` },
      { method: 'POST', path: `/environments/${env}/rollback` },
      { method: 'GET', path: `/environments/${env}` },
    ]),
    ...PROMPT_READ_ROUTES,
  ];
}

/** On call: read everything, and roll back any environment. */
export const OPERATOR_ROUTES: readonly RouteSpec[] = [
  ...PROMPT_READ_ROUTES,
  { method: 'GET', path: '/audit' },
  { method: 'GET', path: '/environments/{env}' },
  { method: 'POST', path: '/environments/{env}/rollback' },
];

/** Apps reporting outcomes: user feedback and metric records. */
export const FEEDBACK_SENDER_ROUTES: readonly RouteSpec[] = [
  { method: 'POST', path: '/feedback' },
  { method: 'POST', path: '/metrics' },
];
