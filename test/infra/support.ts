/**
 * Shared set-up for the infrastructure tests: apps carry the context of cdk.json (feature flags and
 * settings), so the tests synthesize what `npx cdk synth` does. Bundling is skipped (asset hashes only)
 * except where a test asks for it, which keeps synthesis fast.
 */
import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PromptOps, type PromptOpsProps } from '../../lib/promptops.ts';

export const CDK_CONTEXT: Record<string, unknown> = JSON.parse(
  readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'),
).context;

/** A real (tiny) handler for the functions the tests add. */
export const FIXTURE_HANDLER = 'test/fixtures/infra-handler.ts';

export const TEST_ENV = { account: '123456789012', region: 'us-east-1' } as const;

export function testApp(context: Record<string, unknown> = {}, options: { bundle?: boolean } = {}): App {
  return new App({
    context: { ...CDK_CONTEXT, ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...context },
  });
}

export function testStack(app: App = testApp(), id = 'Test', region: string = TEST_ENV.region): Stack {
  return new Stack(app, id, { env: { ...TEST_ENV, region } });
}

export interface PolicyStatementJson {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, unknown>;
}

/** Every IAM statement of the template: policies, managed policies and roles' inline policies. */
export function iamStatements(template: Template): PolicyStatementJson[] {
  const documents: { Statement: PolicyStatementJson[] }[] = [];
  for (const resource of Object.values(template.findResources('AWS::IAM::Policy'))) {
    documents.push(resource.Properties.PolicyDocument);
  }
  for (const resource of Object.values(template.findResources('AWS::IAM::ManagedPolicy'))) {
    documents.push(resource.Properties.PolicyDocument);
  }
  for (const resource of Object.values(template.findResources('AWS::IAM::Role'))) {
    for (const policy of resource.Properties.Policies ?? []) documents.push(policy.PolicyDocument);
  }
  return documents.flatMap((doc) => doc.Statement);
}

export function actionsOf(statement: PolicyStatementJson): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** The statements of the policies attached to a role whose logical id starts with `rolePrefix`. */
export function roleStatements(template: Template, rolePrefix: string): PolicyStatementJson[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) =>
      (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref.startsWith(rolePrefix)),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as PolicyStatementJson[]);
}

/** The single logical id of a resource type whose id starts with `prefix`. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1)
    throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(', ')}`);
  return ids[0]!;
}

/**
 * A PromptOps construct in its own stack, without its own handlers unless `props.handlers` says so;
 * `configure` runs before synthesis (to add fixture handlers).
 */
export function buildPromptOps(
  props: PromptOpsProps = {},
  configure: (promptOps: PromptOps, stack: Stack) => void = () => {},
): { stack: Stack; promptOps: PromptOps; template: Template } {
  const stack = testStack();
  const promptOps = new PromptOps(stack, 'PromptOps', { handlers: false, ...props });
  configure(promptOps, stack);
  return { stack, promptOps, template: Template.fromStack(stack) };
}
