/**
 * Every page of the console, in navigation order. Adding a page is adding its module under pages/
 * and a line here (docs/console.md): the navigation, the routes and the document title follow.
 */
import type { ConsolePage } from '../page.ts';
import { AuditPage } from './audit.tsx';
import { EnvironmentsPage } from './environments.tsx';
import { EvaluationsPage } from './evaluations.tsx';
import { FeedbackPage } from './feedback.tsx';
import { PromptsPage } from './prompts.tsx';
import { ReviewPage } from './review.tsx';

export const PAGES: readonly ConsolePage[] = [
  { title: 'Prompts', path: '/prompts', routes: ['/prompts/:id', '/prompts'], component: PromptsPage },
  { title: 'Review', path: '/review', routes: ['/review/:id/:version', '/review'], component: ReviewPage },
  {
    title: 'Environments',
    path: '/environments',
    routes: ['/environments/:env', '/environments'],
    component: EnvironmentsPage,
  },
  { title: 'Feedback', path: '/feedback', routes: ['/feedback'], component: FeedbackPage },
  {
    title: 'Evaluations',
    path: '/evaluations',
    routes: ['/evaluations/:id/:version', '/evaluations/:id', '/evaluations'],
    component: EvaluationsPage,
  },
  { title: 'Audit log', path: '/audit', routes: ['/audit'], component: AuditPage },
];
