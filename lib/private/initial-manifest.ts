/**
 * One custom resource per environment that deploys the initial empty manifest, through the handler in
 * initial-manifest-handler.ts, only to an environment that has never had a deployment.
 */
import { CustomResource, Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PromptFunction } from './prompt-function.ts';
import { pascalCase } from './validation.ts';

export interface InitialManifestEnvironment {
  readonly name: string;
  readonly id: string;
}

export interface InitialManifestProps {
  readonly applicationId: string;
  readonly configurationProfileId: string;
  readonly environments: readonly InitialManifestEnvironment[];
  readonly deploymentStrategyId: string;
  /** Key that encrypts the deployed configuration data. */
  readonly kmsKeyArn: string;
  readonly logRetention: logs.RetentionDays;
  /** Grants the handler what deploying needs (AppConfig and the key). */
  readonly grantDeploy: (grantee: iam.IGrantable) => void;
}

export class InitialManifest extends Construct {
  readonly handler: NodejsFunction;

  constructor(scope: Construct, id: string, props: InitialManifestProps) {
    super(scope, id);
    const fn = new PromptFunction(this, 'Handler', {
      entry: 'lib/private/initial-manifest-handler.ts',
      description: 'PromptOps: deploys the empty initial manifest to environments that never had one',
      memorySize: 256,
      timeout: Duration.minutes(2),
      logRetention: props.logRetention,
      noDeadLetterQueueBecause:
        'a CloudFormation custom resource handler: CloudFormation waits for its response and fails the stack operation on error, so a failure destination would hold nothing to act on',
    });
    this.handler = fn.function;
    props.grantDeploy(this.handler);

    // References to the environments and the profile order the deployments after them; the function
    // depends on its role's policy, so the grants exist before it runs.
    for (const environment of props.environments) {
      new CustomResource(this, pascalCase(environment.name), {
        serviceToken: this.handler.functionArn,
        resourceType: 'Custom::PromptOpsInitialManifest',
        properties: {
          ApplicationId: props.applicationId,
          EnvironmentId: environment.id,
          EnvironmentName: environment.name,
          ConfigurationProfileId: props.configurationProfileId,
          DeploymentStrategyId: props.deploymentStrategyId,
          KmsKeyIdentifier: props.kmsKeyArn,
        },
      });
    }
  }
}
