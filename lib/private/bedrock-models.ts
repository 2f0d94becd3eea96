/**
 * Which Bedrock models a role may invoke: exactly the listed ids. `bedrock:InvokeModel` is the action
 * Converse is authorized by; streaming is not granted, the evaluation providers never stream.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, type IConstruct } from 'constructs';
import { acknowledgeWildcardResource } from './nag.ts';

/**
 * A cross-region inference profile id: a geography prefix on a foundation model id, e.g.
 * `us.anthropic.claude-sonnet-4-20250514-v1:0` (the same prefixes as src/core/eval/prices.ts).
 */
const INFERENCE_PROFILE_ID = /^(us|eu|apac|global|us-gov|jp|au|ca)\.([a-z0-9-]+\..+)$/;

const INVOKE = ['bedrock:InvokeModel'];

/**
 * Grants `grantee` bedrock:InvokeModel on `modelIds` only; nothing at all when the list is empty.
 *
 * - A foundation model id: that model in the stack's region.
 * - An inference profile id: the profile in the stack's region and account, and its foundation model
 *   in any region, since the profile routes each request to a region of its geography. The
 *   foundation-model statement holds only for requests made through one of these profiles
 *   (`bedrock:InferenceProfileArn`), so it grants no direct call of the model in another region.
 */
export function grantBedrockModels(
  grantee: iam.IGrantable & IConstruct,
  modelIds: readonly string[],
): iam.Grant {
  const stack = Stack.of(grantee);
  const arn = (resource: string, id: string, scope: { region?: string; account?: string } = {}) =>
    stack.formatArn({
      service: 'bedrock',
      resource,
      resourceName: id,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      ...scope,
    });
  const direct: string[] = [];
  const profiles: string[] = [];
  /** Foundation model ARN in any region -> the profiles that route to it. */
  const routed = new Map<string, string[]>();
  for (const id of new Set(modelIds)) {
    const profile = INFERENCE_PROFILE_ID.exec(id);
    if (!profile) {
      direct.push(arn('foundation-model', id, { account: '' }));
      continue;
    }
    const profileArn = arn('inference-profile', id);
    profiles.push(profileArn);
    const model = arn('foundation-model', profile[2] as string, { region: '*', account: '' });
    routed.set(model, [...(routed.get(model) ?? []), profileArn]);
  }
  let grant = iam.Grant.drop(grantee, 'no Bedrock model is listed (evalModels)');
  if (direct.length + profiles.length === 0) return grant;
  grant = grant.combine(
    iam.Grant.addToPrincipal({ grantee, actions: INVOKE, resourceArns: [...direct, ...profiles] }),
  );
  const principal = grantee.grantPrincipal;
  for (const [model, through] of routed) {
    grant = grant.combine(
      iam.Grant.addToPrincipal({
        grantee,
        actions: INVOKE,
        resourceArns: [model],
        conditions: { StringEquals: { 'bedrock:InferenceProfileArn': through } },
      }),
    );
    if (principal instanceof Construct) {
      acknowledgeWildcardResource(
        principal,
        model,
        `${principal.node.path}: a cross-region inference profile sends each request to a region of its geography, so its foundation model is granted in every region, and only for requests made through the listed inference profiles (bedrock:InferenceProfileArn)`,
      );
    }
  }
  return grant;
}
