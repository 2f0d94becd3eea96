/**
 * What a PromptOps handler's `access` grants: each level maps to the store's and delivery's scoped
 * grants, so a handler never gets more than its table, bucket or AppConfig level says.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { BODY_KEY_PREFIX, VERSION_KEY_PREFIX } from '../../src/core/contracts.ts';
import type { PromptDelivery } from '../constructs/prompt-delivery.ts';
import { EVALUATION_KEY_PREFIXES, type PromptStore } from '../constructs/prompt-store.ts';
import type { HandlerAccess } from '../promptops.ts';
import { acknowledgeWildcardResource } from './nag.ts';

/** The resources an access level is granted on. */
export interface AccessTargets {
  readonly store: PromptStore;
  readonly delivery: PromptDelivery;
}

/** Grants `grantee` what `access` asks for, as one grant (empty when it asks for nothing). */
export function grantHandlerAccess(
  grantee: iam.IGrantable,
  access: HandlerAccess,
  { store, delivery }: AccessTargets,
): iam.Grant {
  const grants: iam.Grant[] = [];
  if (access.registry === 'read') grants.push(store.grantReadRegistry(grantee));
  if (access.registry === 'readWrite') grants.push(store.grantWriteRegistry(grantee));
  if (access.feedback === 'read') grants.push(store.grantReadFeedback(grantee));
  if (access.feedback === 'readWrite') grants.push(store.grantWriteFeedback(grantee));
  if (access.bodies === 'read') grants.push(store.grantReadBodies(grantee));
  if (access.bodies === 'readWrite') grants.push(store.grantWriteBodies(grantee));
  if (access.bodies) acknowledgeBodies(store, grantee);
  if (access.versionObjects === 'read') grants.push(store.grantReadVersionObjects(grantee));
  if (access.versionObjects === 'readWrite') grants.push(store.grantWriteVersionObjects(grantee));
  if (access.versionObjects) acknowledgeVersionObjects(store, grantee);
  if (access.versionRefs === 'read') grants.push(store.grantReadVersionRefs(grantee));
  if (access.evaluations === 'read') grants.push(store.grantReadEvaluations(grantee));
  if (access.evaluations === 'readWrite') grants.push(store.grantWriteEvaluations(grantee));
  if (access.evaluations) acknowledgeEvaluations(store, grantee);
  if (access.appConfig === 'read') grants.push(delivery.grantReadDeployments(grantee));
  if (access.appConfig === 'deploy') grants.push(delivery.grantDeploy(grantee));
  return grants.reduce((all, grant) => all.combine(grant), iam.Grant.drop(grantee, 'no PromptOps access'));
}

/** Bodies are content-addressed: their keys are SHA-256 hashes, known only at run time. */
export function acknowledgeBodies(store: PromptStore, grantee: iam.IGrantable): void {
  const principal = grantee.grantPrincipal;
  if (!(principal instanceof Construct)) return;
  acknowledgeWildcardResource(
    principal,
    store.bodies.arnForObjects(`${BODY_KEY_PREFIX}*`),
    `${principal.node.path}: prompt documents are content-addressed under ${BODY_KEY_PREFIX}, so object keys are SHA-256 hashes known only at run time`,
  );
}

/** Version objects are content-addressed too: their keys are SHA-256 refs known only at run time. */
export function acknowledgeVersionObjects(store: PromptStore, grantee: iam.IGrantable): void {
  const principal = grantee.grantPrincipal;
  if (!(principal instanceof Construct)) return;
  acknowledgeWildcardResource(
    principal,
    store.bodies.arnForObjects(`${VERSION_KEY_PREFIX}*`),
    `${principal.node.path}: version objects are content-addressed under ${VERSION_KEY_PREFIX}, so object keys are SHA-256 refs known only at run time`,
  );
}

/** Evaluation suites and results are content-addressed too. */
function acknowledgeEvaluations(store: PromptStore, grantee: iam.IGrantable): void {
  const principal = grantee.grantPrincipal;
  if (!(principal instanceof Construct)) return;
  for (const prefix of EVALUATION_KEY_PREFIXES) {
    acknowledgeWildcardResource(
      principal,
      store.bodies.arnForObjects(`${prefix}*`),
      `${principal.node.path}: evaluation suites and results are content-addressed under ${prefix}, so object keys are SHA-256 hashes known only at run time`,
    );
  }
}
