/**
 * How PromptOps builds and connects a function: the common environment variables, its grants, its
 * dashboard widgets and the cdk-nag acknowledgements a synchronous or validator function needs. The
 * construct's `addApiHandler`, `addConfigValidator` and `addDeploymentEventsHandler` delegate here.
 */
import { Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ENV } from '../../src/core/contracts.ts';
import type { PromptApi } from '../constructs/prompt-api.ts';
import type { PromptDelivery } from '../constructs/prompt-delivery.ts';
import type { PromptObservability } from '../constructs/prompt-observability.ts';
import type { PromptStore } from '../constructs/prompt-store.ts';
import type { HandlerAccess, PromptOpsFunctionOptions, PromptOpsHandlerOptions } from '../promptops.ts';
import { grantHandlerAccess } from './handler-access.ts';
import { FUNCTION_DEFAULTS, PromptFunction } from './prompt-function.ts';
import { PropsValidator } from './validation.ts';

/** AppConfig caps a Lambda validator's run at 15 seconds. */
const MAX_VALIDATOR_SECONDS = 15;

export interface PromptOpsWiringProps {
  readonly store: PromptStore;
  readonly api: PromptApi;
  readonly delivery: PromptDelivery;
  readonly observability: PromptObservability;
  /** Environment variables every PromptOps function gets. */
  readonly handlerEnvironment: Readonly<Record<string, string>>;
  readonly logRetention: logs.RetentionDays;
}

export class PromptOpsWiring {
  private readonly scope: Construct;
  private readonly props: PromptOpsWiringProps;

  constructor(scope: Construct, props: PromptOpsWiringProps) {
    this.scope = scope;
    this.props = props;
  }

  addApiHandler(name: string, options: PromptOpsHandlerOptions): NodejsFunction {
    const { access, ...handlerOptions } = options;
    const fn = this.props.api.addHandler(name, {
      ...handlerOptions,
      environment: { ...this.props.handlerEnvironment, ...handlerOptions.environment },
    });
    acknowledgeSynchronous(
      fn,
      `${fn.node.path}: invoked synchronously by API Gateway, which returns any error to the caller; there is no asynchronous invocation to redrive`,
    );
    this.grantAccess(fn, access);
    this.props.observability.monitorFunction(name, fn);
    return fn;
  }

  addConfigValidator(options: PromptOpsFunctionOptions): NodejsFunction {
    const timeout = options.timeout ?? FUNCTION_DEFAULTS.timeout;
    const check = new PropsValidator(this.scope);
    check.check(
      timeout.toSeconds() <= MAX_VALIDATOR_SECONDS,
      `config validator timeout must be at most ${MAX_VALIDATOR_SECONDS} seconds, AppConfig's limit for a validator (got ${timeout.toSeconds()} s)`,
    );
    check.check(
      this.scope.node.tryFindChild('ConfigValidator') === undefined,
      'a config validator was already added',
    );
    check.check(
      options.access?.appConfig === undefined,
      `config validator access.appConfig must be left out (got "${options.access?.appConfig}"): the profile refers to the validator, so the validator cannot refer back to the profile; AppConfig passes it the ids it needs`,
    );
    check.throwIfAny();
    // Without the profile id, for the same reason.
    const { [ENV.appConfigProfileId]: _profileId, ...environment } = this.props.handlerEnvironment;
    const fn = this.newFunction(
      'ConfigValidator',
      'PromptOps: validates manifests before AppConfig deploys them',
      { ...options, timeout },
      { environment },
    );
    acknowledgeSynchronous(
      fn,
      `${fn.node.path}: invoked synchronously by AppConfig as a validator; a failure rejects the deployment, there is no asynchronous invocation to redrive`,
    );
    this.props.delivery.addValidator(fn);
    this.props.observability.monitorFunction('config-validator', fn);
    return fn;
  }

  addDeploymentEventsHandler(options: PromptOpsFunctionOptions): NodejsFunction {
    const check = new PropsValidator(this.scope);
    check.check(
      this.scope.node.tryFindChild('DeploymentEvents') === undefined,
      'a deployment-events handler was already added',
    );
    check.throwIfAny();
    const fn = this.newFunction(
      'DeploymentEvents',
      'PromptOps: records AppConfig deployment events',
      options,
      {
        deadLetterQueue: this.props.observability.deadLetters,
      },
    );
    this.props.delivery.addDeploymentEventsTarget(fn);
    this.props.observability.monitorFunction('deployment-events', fn);
    return fn;
  }

  private newFunction(
    id: string,
    description: string,
    options: PromptOpsFunctionOptions,
    extra: {
      readonly deadLetterQueue?: sqs.IQueue;
      /** Replaces the common environment variables. */
      readonly environment?: Readonly<Record<string, string>>;
    } = {},
  ): NodejsFunction {
    const fn = new PromptFunction(this.scope, id, {
      entry: options.entry,
      description,
      memorySize: options.memorySize ?? FUNCTION_DEFAULTS.memorySize,
      timeout: options.timeout ?? FUNCTION_DEFAULTS.timeout,
      environment: { ...(extra.environment ?? this.props.handlerEnvironment), ...options.environment },
      logRetention: this.props.logRetention,
      ...(extra.deadLetterQueue ? { deadLetterQueue: extra.deadLetterQueue } : {}),
    }).function;
    this.grantAccess(fn, options.access);
    return fn;
  }

  private grantAccess(grantee: iam.IGrantable, access: HandlerAccess = {}): iam.Grant {
    return grantHandlerAccess(grantee, access, this.props);
  }
}

/** Functions invoked synchronously need no dead-letter queue or failure destination. */
function acknowledgeSynchronous(fn: NodejsFunction, reason: string): void {
  Validations.of(fn).acknowledge(
    { id: 'Serverless-LambdaDLQ', reason },
    { id: 'Serverless-LambdaAsyncFailureDestination', reason },
  );
}
