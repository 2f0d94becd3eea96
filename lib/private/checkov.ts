/**
 * checkov suppressions that live on the resource they are about: `Metadata.checkov.skip` of the
 * CloudFormation resource, each with the reason a reviewer reads (README, "Security"). checkov reads
 * exactly this metadata, so a skip can never drift onto another resource.
 */
import { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** One suppressed checkov check and why it does not apply. */
export interface CheckovSkip {
  /** The check id, such as `CKV_AWS_117`. */
  readonly id: string;
  /** Why the check does not apply to this resource, in words a security reviewer accepts. */
  readonly reason: string;
}

/** The entries checkov reads from `Metadata.checkov.skip`. */
export interface CheckovSkipMetadata {
  readonly id: string;
  readonly comment: string;
}

const CHECK_ID = /^CKV2?_AWS_\d+$/;
/** Shorter than this is a label, not a reason. */
const MIN_REASON_LENGTH = 40;
const METADATA_KEY = 'checkov';

/** The CloudFormation resource of `scope`: itself, or the L2 construct's default child. */
function cfnResourceOf(scope: IConstruct): CfnResource {
  if (CfnResource.isCfnResource(scope)) return scope;
  const child = scope.node.defaultChild;
  if (child && CfnResource.isCfnResource(child)) return child;
  throw new Error(
    `${scope.node.path}: checkov skips go on a CloudFormation resource, and this construct has none`,
  );
}

/**
 * Suppresses checkov checks on the resource of `scope` (a CfnResource or an L2 construct), each with its
 * reason. Skipping a check twice keeps the first reason.
 */
export function skipCheckov(scope: IConstruct, ...skips: readonly CheckovSkip[]): void {
  const resource = cfnResourceOf(scope);
  const problems: string[] = [];
  for (const skip of skips) {
    if (!CHECK_ID.test(skip.id))
      problems.push(`"${skip.id}" is not a checkov AWS check id such as CKV_AWS_117`);
    if (skip.reason.trim().length < MIN_REASON_LENGTH) {
      problems.push(
        `the reason for skipping ${skip.id} must say why it does not apply (got "${skip.reason}")`,
      );
    }
  }
  if (problems.length > 0) throw new Error(`${resource.node.path}: ${problems.join('; ')}`);
  const existing = checkovSkipsOf(resource);
  const added = skips
    .filter(
      (skip, i) => !existing.some((e) => e.id === skip.id) && skips.findIndex((s) => s.id === skip.id) === i,
    )
    .map((skip) => ({ id: skip.id, comment: skip.reason }));
  resource.addMetadata(METADATA_KEY, { skip: [...existing, ...added] });
}

/** The checkov skips on a resource so far. */
export function checkovSkipsOf(scope: IConstruct): readonly CheckovSkipMetadata[] {
  const metadata = cfnResourceOf(scope).getMetadata(METADATA_KEY) as
    | { skip?: CheckovSkipMetadata[] }
    | undefined;
  return metadata?.skip ?? [];
}
