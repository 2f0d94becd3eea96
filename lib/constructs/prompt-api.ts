/**
 * The PromptOps HTTP API: API Gateway HTTP API with IAM authorization on every route, stage throttling
 * and JSON access logs. Handlers join it through `addHandler`, which builds the function the PromptOps
 * way (see PromptFunction) and routes the given method and path templates to it.
 */
import { type Duration, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeWildcardResource } from '../private/nag.ts';
import { FUNCTION_DEFAULTS, PromptFunction } from '../private/prompt-function.ts';
import { secureLogGroup } from '../private/security-defaults.ts';
import { PropsValidator, pascalCase } from '../private/validation.ts';

/** The HTTP methods a PromptOps route may use. */
export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A route: method and API Gateway path template (`{name}` matches one path segment). */
export interface RouteSpec {
  /** The HTTP method. */
  readonly method: RouteMethod;
  /** The path template, e.g. `/prompts/{id}`. */
  readonly path: string;
}

/** Props of {@link PromptApi}. */
export interface PromptApiProps {
  /**
   * Stage-wide throttling; a limit left out takes its default. The rate is 1 to 10000 requests per
   * second, the burst a whole number from 1 to 5000.
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly throttle?: apigw.ThrottleSettings;
  /**
   * Retention of the access logs and of the handlers' logs.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Concurrency reserved (and capped) for each handler that sets none of its own: requests beyond it at
   * the same moment are throttled instead of crowding out the account's other functions. A whole number
   * from 1 to 100.
   * @default API_RESERVED_CONCURRENCY (25)
   */
  readonly reservedConcurrency?: number;
}

/** Options of {@link PromptApi.addHandler}. */
export interface ApiHandlerOptions {
  /** Handler source file exporting `handler`, absolute or relative to the package root. */
  readonly entry: string;
  /** Routes served by this handler. */
  readonly routes: readonly RouteSpec[];
  /**
   * What the handler does, for the Lambda console.
   * @default - "PromptOps API: <name>"
   */
  readonly description?: string;
  /**
   * Memory in MB.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * At most 29 seconds: API Gateway gives up on an integration after 30.
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Concurrency reserved (and capped) for the handler, to protect what it calls.
   * @default - the API's `reservedConcurrency`
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Environment variables of the function.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
}

const HANDLER_NAME = /^[a-z][a-z0-9-]{0,31}$/;
const PATH_TEMPLATE = /^(\/([A-Za-z0-9._~-]+|\{[A-Za-z][A-Za-z0-9_]*\}))+$/;
const METHODS: readonly RouteMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** API Gateway HTTP APIs time an integration out after 30 seconds. */
const MAX_INTEGRATION_SECONDS = 29;
const DEFAULT_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;
/**
 * Reserved concurrency of an API handler that sets none: 25 requests in flight per handler serve the
 * stage's default 50 requests per second at up to 500 ms each, and seven handlers stay far below the
 * 900 a default account (quota 1000, of which Lambda keeps 100 unreserved) can reserve.
 */
export const API_RESERVED_CONCURRENCY = 25;
const MAX_API_RESERVED_CONCURRENCY = 100;

/**
 * The PromptOps HTTP API: IAM authorization on every route, stage throttling and JSON access logs.
 * Handlers join it through `addHandler`; callers get `execute-api:Invoke` on routes with `grantInvoke`.
 */
export class PromptApi extends Construct {
  /** The API Gateway HTTP API. */
  readonly httpApi: apigw.HttpApi;
  /** The `$default` stage, deployed automatically. */
  readonly stage: apigw.HttpStage;
  /** JSON access logs of the stage, one line per request. */
  readonly accessLogs: logs.LogGroup;
  /** Invoke URL of the API (ends with a slash). */
  readonly url: string;
  private readonly handlerFunctions = new Map<string, NodejsFunction>();
  private readonly routeKeys = new Map<string, string>();
  private readonly logRetention: logs.RetentionDays;
  private readonly reservedConcurrency: number;

  constructor(scope: Construct, id: string, props: PromptApiProps = {}) {
    super(scope, id);
    const throttle = {
      rateLimit: props.throttle?.rateLimit ?? DEFAULT_THROTTLE.rateLimit,
      burstLimit: props.throttle?.burstLimit ?? DEFAULT_THROTTLE.burstLimit,
    };
    const check = new PropsValidator(this);
    check.check(
      throttle.rateLimit > 0 && throttle.rateLimit <= 10_000,
      `throttle.rateLimit must be from 1 to 10000 requests per second (got ${throttle.rateLimit})`,
    );
    check.check(
      Number.isInteger(throttle.burstLimit) && throttle.burstLimit >= 1 && throttle.burstLimit <= 5_000,
      `throttle.burstLimit must be a whole number from 1 to 5000 (got ${throttle.burstLimit})`,
    );
    const reservedConcurrency = props.reservedConcurrency ?? API_RESERVED_CONCURRENCY;
    check.check(
      Number.isInteger(reservedConcurrency) &&
        reservedConcurrency >= 1 &&
        reservedConcurrency <= MAX_API_RESERVED_CONCURRENCY,
      `reservedConcurrency must be a whole number from 1 to ${MAX_API_RESERVED_CONCURRENCY} (got ${reservedConcurrency})`,
    );
    check.throwIfAny();
    this.logRetention = props.logRetention ?? FUNCTION_DEFAULTS.logRetention;
    this.reservedConcurrency = reservedConcurrency;

    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'PromptOps registry, delivery and feedback API (IAM authorization)',
      defaultAuthorizer: new HttpIamAuthorizer(),
      createDefaultStage: false,
    });
    this.accessLogs = secureLogGroup(this, 'AccessLogs', { retention: this.logRetention });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle,
      detailedMetricsEnabled: true,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            caller: '$context.identity.userArn',
            sourceIp: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });
    this.url = this.stage.url;
  }

  /** Handlers added so far, by name. */
  get handlers(): ReadonlyMap<string, NodejsFunction> {
    return this.handlerFunctions;
  }

  /**
   * Builds a handler function (nodejs24.x, arm64, minified ESM with source maps, active tracing, log
   * retention) and routes `routes` to it with IAM authorization. Returns the function for grants.
   */
  addHandler(name: string, options: ApiHandlerOptions): NodejsFunction {
    const check = new PropsValidator(this);
    check.check(
      HANDLER_NAME.test(name),
      `handler name must be 1 to 32 lowercase letters, digits or hyphens, starting with a letter (got "${name}")`,
    );
    check.check(!this.handlerFunctions.has(name), `a handler named "${name}" was already added`);
    check.check(options.routes.length > 0, `handler "${name}" needs at least one route`);
    const timeout = options.timeout ?? FUNCTION_DEFAULTS.timeout;
    check.check(
      timeout.toSeconds() <= MAX_INTEGRATION_SECONDS,
      `handler "${name}" timeout must be at most ${MAX_INTEGRATION_SECONDS} seconds, API Gateway stops waiting at 30 (got ${timeout.toSeconds()} s)`,
    );
    const seen = new Set<string>();
    for (const route of options.routes) {
      const key = `${route.method} ${route.path}`;
      check.check(
        METHODS.includes(route.method),
        `route method must be one of ${METHODS.join(', ')} (got "${route.method}")`,
      );
      check.check(
        PATH_TEMPLATE.test(route.path),
        `route path must be a template such as /prompts/{id} (got "${route.path}")`,
      );
      const owner = this.routeKeys.get(key);
      check.check(owner === undefined, `route "${key}" is already served by handler "${owner}"`);
      check.check(!seen.has(key), `route "${key}" is listed twice for handler "${name}"`);
      seen.add(key);
    }
    check.throwIfAny();

    const fn = new PromptFunction(this, `${pascalCase(name)}Handler`, {
      entry: options.entry,
      description: options.description ?? `PromptOps API: ${name}`,
      memorySize: options.memorySize ?? FUNCTION_DEFAULTS.memorySize,
      timeout,
      ...(options.environment ? { environment: options.environment } : {}),
      logRetention: this.logRetention,
      reservedConcurrentExecutions: options.reservedConcurrentExecutions ?? this.reservedConcurrency,
      noDeadLetterQueueBecause: 'invoked synchronously by API Gateway, which returns any error to the caller',
    }).function;
    const integration = new HttpLambdaIntegration(`${pascalCase(name)}Integration`, fn, {
      payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
    });
    for (const route of options.routes) {
      this.httpApi.addRoutes({
        path: route.path,
        methods: [apigw.HttpMethod[route.method]],
        integration,
      });
      this.routeKeys.set(`${route.method} ${route.path}`, name);
    }
    this.handlerFunctions.set(name, fn);
    return fn;
  }

  /**
   * Lets `grantee` call the given routes (execute-api:Invoke). Path parameters match any value;
   * a route may also pin one, e.g. `/environments/dev/deployments`.
   */
  grantInvoke(grantee: iam.IGrantable, routes: readonly RouteSpec[]): iam.Grant {
    const resourceArns = routes.map((route) => this.executeApiArn(route));
    const principal = grantee.grantPrincipal;
    if (principal instanceof Construct) {
      routes.forEach((route, i) => {
        if (!route.path.includes('{')) return;
        acknowledgeWildcardResource(
          principal,
          resourceArns[i]!,
          `${principal.node.path}: may call ${route.method} ${route.path} of ${this.httpApi.node.path}; the wildcard stands for the route's path parameter, which takes any value`,
        );
      });
    }
    return iam.Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns });
  }

  /** The execute-api ARN of a route on this API's stage, with `{param}` segments as `*`. */
  executeApiArn(route: RouteSpec): string {
    const path = route.path.replace(/\{[^}]+\}/g, '*');
    return Stack.of(this).formatArn({
      service: 'execute-api',
      resource: this.httpApi.apiId,
      resourceName: `${this.stage.stageName}/${route.method}${path}`,
    });
  }
}
