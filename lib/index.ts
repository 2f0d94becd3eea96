/** PromptOps infrastructure: the embeddable construct, its parts and the app's stacks. */
export * from './constructs/backup.ts';
export * from './constructs/prompt-api.ts';
export * from './constructs/prompt-delivery.ts';
export * from './constructs/prompt-observability.ts';
export * from './constructs/prompt-store.ts';
export * from './feedback-retention.ts';
export { type CheckovSkip, skipCheckov } from './private/checkov.ts';
export * from './promptops.ts';
export * from './promptops-app.ts';
export * from './promptops-stack.ts';
export * from './replica-stack.ts';
