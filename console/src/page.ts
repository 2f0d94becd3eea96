/** What a console page is: its navigation entry, the hash routes it answers, and its component. */
import type { FunctionComponent } from 'preact';
import type { ConsoleSettings } from '../../src/core/console-contract.ts';

export interface PageProps {
  /** Parameters of the matched route (`:id` -> `params.id`). */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly settings: ConsoleSettings;
}

export interface ConsolePage {
  /** The navigation label and the document title. */
  readonly title: string;
  /** Where the navigation link goes. */
  readonly path: string;
  /** Hash route patterns this page answers, most specific first. */
  readonly routes: readonly string[];
  readonly component: FunctionComponent<PageProps>;
}
