/**
 * `promptops/client`: read deployed prompts in a Lambda function.
 *
 * ```ts
 * const prompts = new PromptClient({ application: 'promptops', environment: 'prod' });
 * const p = await prompts.get('support-reply', { key: userId });
 * const text = p.render({ customer_name: 'Ana', ticket });
 * prompts.record(p, { latencyMs: 812, inputTokens: 420, outputTokens: 95 });
 * ```
 */
export type { ChatMessage, RenderOptions } from '../core/prompt-compiler.ts';
export { MissingVariableError, UnknownVariableError, VariableTypeError } from '../core/variable-errors.ts';
export type { TemplateValue, TemplateVariables, VariableSpec } from '../core/variables.ts';
export { type GetOptions, PromptClient, type PromptClientOptions, type SourceOptions } from './client.ts';
export { FeedbackError, PromptNotFoundError, PromptSourceError } from './errors.ts';
export type { AwsCredentials, CredentialsProvider, FeedbackInput } from './feedback.ts';
export type { ClientLogger } from './logger.ts';
export type { LineWriter, Outcome } from './metrics.ts';
export {
  type LoadPromptsOptions,
  loadPrompts,
  type PromptsMiddleware,
  type WithPrompts,
} from './middleware.ts';
export type { Prompt } from './prompt.ts';
export type { ShadowCall, ShadowResult, ShadowRunOptions } from './shadow.ts';
export type { AwsSdkClient } from './source-client.ts';
