/**
 * A middy middleware that loads named prompts before the handler runs and puts them on
 * `request.context.prompts`. It needs nothing from middy at run time: any framework that calls
 * `before({ event, context })` can use it.
 */
import type { PromptClient } from './client.ts';
import type { Prompt } from './prompt.ts';

export interface LoadPromptsOptions<TEvent, TName extends string> {
  /** Context name -> prompt id, e.g. `{ reply: 'support-reply' }` gives `context.prompts.reply`. */
  readonly prompts: Readonly<Record<TName, string>>;
  /**
   * The variant key for this request (a user or tenant id), so one user sees one version.
   * @default none: each request gets a variant by weight
   */
  readonly key?: (event: TEvent, context: unknown) => string | undefined;
  /**
   * The caller's segment for this request (docs/segments.md): its pin when a prompt has one.
   * @default none: every request gets the default pin
   */
  readonly segment?: (event: TEvent, context: unknown) => string | undefined;
}

/** The handler's context once the middleware has run. */
export type WithPrompts<TContext, TName extends string = string> = TContext & {
  readonly prompts: Readonly<Record<TName, Prompt>>;
};

export interface PromptsMiddleware<TEvent> {
  readonly name: string;
  before(request: { readonly event: TEvent; readonly context: object }): Promise<void>;
}

export function loadPrompts<TEvent = unknown, TName extends string = string>(
  client: PromptClient,
  options: LoadPromptsOptions<TEvent, TName>,
): PromptsMiddleware<TEvent> {
  const entries = Object.entries(options.prompts) as [TName, string][];
  return {
    name: 'promptops-load-prompts',
    async before(request) {
      const key = options.key?.(request.event, request.context);
      const segment = options.segment?.(request.event, request.context);
      const loaded = await Promise.all(entries.map(([, id]) => client.get(id, { key, segment })));
      const prompts = {} as Record<TName, Prompt>;
      entries.forEach(([name], i) => {
        prompts[name] = loaded[i] as Prompt;
      });
      Object.assign(request.context, { prompts });
    },
  };
}
