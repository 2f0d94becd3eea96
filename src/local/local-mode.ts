/**
 * Local mode: the whole system on one machine with no AWS account. dynalite (DynamoDB), s3rver (S3)
 * and the AppConfig emulator persist under the data directory; the local gateway serves every API
 * route with the same handlers, reached through the same AWS SDK clients pointed at local endpoints.
 * Tables, bucket, application, environments, profile and strategies come from the same contracts and
 * settings (cdk.json) the CDK stack uses, so local and AWS cannot drift.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppConfigClient } from '@aws-sdk/client-appconfig';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { canarySettingsOf } from '../core/canary.ts';
import { CONSOLE_PATH, type ConsoleSettings } from '../core/console-contract.ts';
import { APPCONFIG, ENV, PREDEFINED_STRATEGIES } from '../core/contracts.ts';
import { readHandlerEnvironment } from '../core/handler-environment.ts';
import { mergeModelRetirements } from '../core/model-retirements.ts';
import { readNotifierEnvironment } from '../core/notifier-environment.ts';
import type { HandlerName } from '../core/routes.ts';
import {
  notifierSettingsEnvironment,
  type PromptOpsSettings,
  parseSettings,
  pickSettings,
  type SettingsInput,
  settingsEnvironment,
} from '../core/settings.ts';
import { PACKAGE_ROOT } from '../package-root.ts';
import { AppConfigEmulator } from './appconfig/emulator.ts';
import { LocalCanaryTraffic } from './canary-traffic.ts';
import { consoleRoutes, ensureConsoleBuild } from './console-assets.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { startDynamoDb, startS3 } from './embedded-services.ts';
import type { FaultSpec } from './faults.ts';
import { DEFAULT_LOCAL_USER, type LocalHandler, startGateway } from './gateway.ts';
import {
  CANARY_TICK_FUNCTION_ARN,
  canaryTickFunction,
  LocalLambdas,
  provisionCanaryExtension,
} from './local-canary.ts';
import { LocalEvaluationLauncher } from './local-evaluations.ts';
import { reconcileAtStartup, startLocalFeedbackReconciler } from './local-feedback-reconciler.ts';
import { LocalAlarmWatcher, LocalNotificationTopic } from './local-notifier.ts';
import { startLocalReminders } from './local-reminders.ts';
import { localScanRoute } from './local-scan.ts';
import { LocalMetricsHistory } from './metrics-history.ts';
import { MetricsMonitor } from './metrics-monitor.ts';
import { provisionStorage } from './provision.ts';
import { seedExamples } from './seed.ts';

export interface LocalModeOptions {
  /** All state; a restart keeps it. One local mode at a time: a second one on it is refused. */
  readonly dataDir: string;
  /** The API port; the other endpoints take the next ones. 0 picks free ports for all. @default 4100 */
  readonly port?: number;
  /** Strategy durations, bake times and alarm periods are divided by it. @default 1 */
  readonly timeScale?: number;
  /** Publish, approve and deploy the example prompts on the first start. @default true */
  readonly seed?: boolean;
  /** One line per event worth telling a person. @default console.log */
  readonly log?: (line: string) => void;
  /** Settings over cdk.json's context (same keys as the CDK context). @default none */
  readonly settings?: SettingsInput;
  /**
   * The environments canary analysis judges. @default the settings' `canaryAnalysis` (the protected
   * environments unless cdk.json says otherwise)
   */
  readonly canaryEnvironments?: readonly string[];
  /**
   * Store faults for manual checks (README.md, "Fault injection"), put on the handlers' DynamoDB, S3
   * and AppConfig clients once provisioning and the seed are done. @default none
   */
  readonly faults?: readonly FaultSpec[];
}

export interface LocalEndpoints {
  readonly api: string;
  readonly agent: string;
  readonly appconfig: string;
  readonly appconfigdata: string;
  readonly dynamodb: string;
  readonly s3: string;
  /** Where apps send EMF lines (the client does when PROMPTOPS_EMF_ENDPOINT is set). */
  readonly emf: string;
  /** The web console (docs/console.md), built on its first request when its sources changed. */
  readonly console: string;
  readonly application: string;
  readonly profile: string;
  readonly environments: readonly string[];
  readonly applicationId: string;
  readonly profileId: string;
  readonly environmentIds: Readonly<Record<string, string>>;
  readonly table: string;
  readonly feedbackTable: string;
  readonly bucket: string;
  readonly region: string;
}

export interface RunningLocalMode {
  readonly endpoints: LocalEndpoints;
  readonly monitor: MetricsMonitor;
  readonly seeded: boolean;
  close(): Promise<void>;
}

// cdk.json and examples/ ship with the package: found from the package root, built or not.
const ROOT = PACKAGE_ROOT;
const RESOURCES = {
  table: 'promptops-local',
  feedbackTable: 'promptops-local-feedback',
  idempotencyTable: 'promptops-local-idempotency',
  bucket: 'promptops-local-bodies',
} as const;
const REGION = 'us-east-1';
/** s3rver knows one account; dynalite and the emulator accept any signature. */
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** The same settings `cdk synth` reads (cdk.json's context), with `overrides` on top. */
export async function localSettings(overrides: SettingsInput = {}): Promise<PromptOpsSettings> {
  const cdk = JSON.parse(await readFile(path.join(ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return parseSettings({ ...pickSettings(cdk.context ?? {}), ...overrides });
}

/**
 * Local mode only: the seeded examples deploy with no rollout and no bake, so the first environment
 * is free for a newcomer's own deployment at once (AppConfig's AllAtOnce bakes for 10 minutes).
 */
export const SEED_STRATEGY = {
  name: 'LocalSeed',
  deploymentDurationInMinutes: 0,
  growthFactor: 100,
  growthType: 'LINEAR',
  finalBakeTimeInMinutes: 0,
} as const;

/** Written with a temporary file and a rename, so a reader never sees half of it. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}

/** The identity hash key of this data directory: made once, kept, so hashes stay comparable across restarts. */
async function hashSecret(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'feedback-hash.key');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const secret = randomBytes(32).toString('hex');
  await writeAtomically(file, `${secret}\n`);
  return secret;
}

function lambdaContext(name: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `promptops-local-${name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:promptops-local-${name}`,
    memoryLimitInMB: '512',
    awsRequestId: `local-${name}-${Date.now().toString(36)}`,
    logGroupName: 'local',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 15_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export async function startLocalMode(options: LocalModeOptions): Promise<RunningLocalMode> {
  const dataDir = path.resolve(options.dataDir);
  const timeScale = options.timeScale ?? 1;
  const basePort = options.port ?? 4100;
  const portAt = (offset: number) => (basePort === 0 ? 0 : basePort + offset);
  const log = options.log ?? ((line: string) => console.log(line));
  const settings = await localSettings(options.settings);
  await mkdir(dataDir, { recursive: true });
  // Before anything opens the data directory: a second local mode on it fails here, plainly.
  const lock = await lockDataDir(dataDir);

  // Closed in reverse order: the lock, pushed first, is released last.
  const closers: (() => Promise<void>)[] = [() => lock.release()];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer().catch(() => undefined);
  };
  try {
    const dynamo = await startDynamoDb({ port: portAt(2), directory: path.join(dataDir, 'dynamodb') });
    closers.push(() => dynamo.close());
    const s3Service = await startS3({
      port: portAt(3),
      directory: path.join(dataDir, 's3'),
      buckets: [RESOURCES.bucket],
    });
    closers.push(() => s3Service.close());

    const clientConfig = { region: REGION, credentials: CREDENTIALS };
    const dynamoClient = new DynamoDBClient({ ...clientConfig, endpoint: dynamo.endpoint });
    const documents = DynamoDBDocumentClient.from(dynamoClient, {
      marshallOptions: { removeUndefinedValues: true },
    });
    const s3 = new S3Client({ ...clientConfig, endpoint: s3Service.endpoint, forcePathStyle: true });
    closers.push(async () => {
      dynamoClient.destroy();
      s3.destroy();
    });
    await provisionStorage(dynamoClient, s3, RESOURCES);
    // Idempotency-Key records in the embedded DynamoDB, as the stack's idempotency table holds them.
    const { useIdempotencyStore } = await import('../../lambda/runtime/middleware/idempotent-writes.ts');
    useIdempotencyStore({ tableName: RESOURCES.idempotencyTable, client: dynamoClient });
    closers.push(async () => useIdempotencyStore(undefined));

    const monitor = new MetricsMonitor({
      thresholds: settings,
      timeScale,
      rollbackAlarms: settings.rollbackAlarms,
    });
    // Functions extension actions name, by ARN (filled below, once their deps exist).
    const lambdas = new LocalLambdas();
    const appconfig = await AppConfigEmulator.start({
      dataDir,
      port: portAt(1),
      timeScale,
      checkAlarms: async (environment) => monitor.firedAlarm(environment.name),
      invokeLambda: lambdas.invoke,
      logger: {
        info: (m) => log(`appconfig: ${m}`),
        warn: (m) => log(`appconfig: ${m}`),
        error: (m) => log(`appconfig: ${m}`),
      },
    });
    closers.push(() => appconfig.close());
    const applicationId = await appconfig.ensureApplication(APPCONFIG.application);
    const profileId = await appconfig.ensureProfile(applicationId, APPCONFIG.profile);
    const environmentIds: Record<string, string> = {};
    for (const env of settings.environments)
      environmentIds[env] = await appconfig.ensureEnvironment(applicationId, env);
    const customStrategies: Record<string, string> = {};
    for (const spec of [...settings.customStrategies, SEED_STRATEGY]) {
      customStrategies[spec.name] = await appconfig.ensureStrategy(spec);
    }
    const appconfigClient = new AppConfigClient({ ...clientConfig, endpoint: appconfig.url });
    closers.push(async () => appconfigClient.destroy());

    // Settings the handlers read from their environment, exactly as the stack sets them. The resource
    // names stay out of process.env (the client in this process reads some of them): the handlers are
    // given their resources below.
    const settingsVariables = {
      ...settingsEnvironment(settings),
      [ENV.strategies]: JSON.stringify(customStrategies),
    };
    Object.assign(process.env, settingsVariables);

    const [
      publish,
      review,
      query,
      deploy,
      feedback,
      metrics,
      evaluate,
      evaluationWorker,
      validator,
      events,
      feedbackDeps,
      notifierHandler,
    ] = await Promise.all([
      import('../../lambda/handlers/publish.ts'),
      import('../../lambda/handlers/review.ts'),
      import('../../lambda/handlers/query.ts'),
      import('../../lambda/handlers/deploy.ts'),
      import('../../lambda/handlers/feedback.ts'),
      import('../../lambda/handlers/metrics.ts'),
      import('../../lambda/handlers/evaluate.ts'),
      import('../../lambda/handlers/evaluation-worker.ts'),
      import('../../lambda/handlers/config-validator.ts'),
      import('../../lambda/handlers/deployment-events.ts'),
      import('../../lambda/feedback/deps.ts'),
      import('../../lambda/handlers/notifier.ts'),
    ]);
    const { buildNotifierDeps } = await import('../../lambda/notifications/deps.ts');
    const { buildRegistryDeps } = await import('../../lambda/registry/deps.ts');
    const { DynamoFeedbackRepository } = await import('../../lambda/adapters/feedback-repository.ts');
    const { buildDeliveryDeps } = await import('../../lambda/delivery/deps.ts');
    const { pinsFromStore } = await import('../../lambda/registry/shadow-report-deps.ts');
    const { s3ShadowOutputs } = await import('../../lambda/registry/shadow-report-outputs.ts');
    const { deliveryConfigFromEnv } = await import('../../lambda/delivery/config.ts');
    const { buildEvaluationDeps } = await import('../../lambda/evaluation/deps.ts');
    const { buildEvaluationWorkerDeps } = await import('../../lambda/evaluation/worker-deps.ts');
    const registryDeps = buildRegistryDeps({ documents, s3, ...RESOURCES });
    const deliveryDeps = buildDeliveryDeps({
      documents,
      s3,
      ...RESOURCES,
      appconfig: appconfigClient,
      config: deliveryConfigFromEnv(
        readHandlerEnvironment({
          ...settingsVariables,
          [ENV.bodyBucket]: RESOURCES.bucket,
          [ENV.appConfigApplicationId]: applicationId,
          [ENV.appConfigProfileId]: profileId,
          [ENV.appConfigEnvironmentIds]: JSON.stringify(environmentIds),
        }),
      ),
    });
    const metricsHistory = new LocalMetricsHistory(monitor);
    // Captured shadow outputs (docs/shadows.md) are read from the embedded S3, as on AWS only when an environment captures them.
    const shadowPins = pinsFromStore(
      deliveryDeps.environments,
      settings.shadowOutputCapture.length > 0 ? s3ShadowOutputs(s3, RESOURCES.bucket) : undefined,
    );
    const feedbackItems = new DynamoFeedbackRepository(documents, RESOURCES.feedbackTable);
    // Metrics go to the local alarms (local mode's CloudWatch) instead of stdout.
    const sink = {
      publish: (emf: readonly Record<string, unknown>[]) => {
        for (const document of emf) monitor.ingest(document);
      },
    };
    const feedbackReady = feedbackDeps.buildFeedbackDeps(await hashSecret(dataDir), {
      documents,
      table: RESOURCES.table,
      feedbackTable: RESOURCES.feedbackTable,
      metrics: sink,
    });
    // Evaluations run in this process once their request is answered, as the async invoke does on AWS.
    const evaluations = new LocalEvaluationLauncher({
      onError: (error, job) =>
        log(`evaluation ${job.runId} of ${job.promptId}@${job.version} failed: ${error}`),
    });
    closers.push(() => evaluations.close());
    const evaluationResources = {
      documents,
      s3,
      table: RESOURCES.table,
      bucket: RESOURCES.bucket,
      evalModels: [...readHandlerEnvironment(settingsVariables).settings.evalModels],
    };
    const evaluationDeps = buildEvaluationDeps({ ...evaluationResources, launcher: evaluations });
    // Bedrock uses this machine's AWS credentials, when there are any (the call fails plainly otherwise).
    const workerDeps = buildEvaluationWorkerDeps({ ...evaluationResources, env: process.env });
    evaluations.setWorker(
      evaluationWorker.createEvaluationWorkerHandler(() => workerDeps, {
        signal: evaluations.controller.signal,
      }),
    );
    const handlers: Record<HandlerName, LocalHandler> = {
      publish: publish.createPublishHandler(() => registryDeps),
      review: review.createReviewHandler(() => registryDeps),
      query: query.createQueryHandler(
        () => registryDeps,
        () => metricsHistory,
        () => feedbackItems,
        () => shadowPins,
      ),
      deploy: deploy.createDeployHandler(() => deliveryDeps),
      feedback: feedback.createFeedbackHandler(() => feedbackReady),
      metrics: metrics.createMetricsHandler(() => ({ metrics: sink, now: () => new Date() })),
      evaluate: evaluate.createEvaluateHandler(() => evaluationDeps),
    };
    // Canary analysis: the tick handler behind the extension's Lambda ARN, judging the local traffic.
    const canaryEnvironments = (options.canaryEnvironments ?? settings.canaryAnalysis).filter(
      (e) => environmentIds[e] !== undefined,
    );
    if (canaryEnvironments.length > 0) {
      lambdas.register(
        CANARY_TICK_FUNCTION_ARN,
        canaryTickFunction({
          config: deliveryDeps.config,
          environments: deliveryDeps.environments,
          audit: deliveryDeps.audit,
          traffic: new LocalCanaryTraffic(monitor),
          canaryAnalysis: canaryEnvironments,
          settings: canarySettingsOf(settings),
          now: () => new Date(),
        }),
      );
      await provisionCanaryExtension(
        appconfig,
        applicationId,
        canaryEnvironments.map((e) => environmentIds[e] as string),
        REGION,
      );
    }

    // The feedback reconciler's schedule (docs/architecture.md, "Exact feedback counts"), after a
    // first run for what a stopped or killed predecessor left pending.
    await reconcileAtStartup({ feedback: feedbackItems, log });
    closers.push(startLocalFeedbackReconciler({ feedback: feedbackItems, log }));

    // The daily review reminder (docs/maintenance.md), with the log as the owners' topic.
    closers.push(
      startLocalReminders({
        deps: registryDeps,
        settings: {
          environments: settings.environments,
          reviewEveryDays: settings.reviewEveryDays,
          retirements: mergeModelRetirements(settings.modelRetirements),
        },
        timeScale,
        log,
      }),
    );

    // What AppConfig calls on AWS: the validator before a deployment, the events handler after.
    // One container for local mode's life: refs it verified are not read again (validate-manifest.ts).
    const verifiedRefs = new validator.VerifiedRefs();
    const validatorDeps = validator.buildValidatorDeps({
      s3,
      documents,
      table: RESOURCES.table,
      bucket: RESOURCES.bucket,
      verified: verifiedRefs,
    });
    const validatorHandler = validator.createValidatorHandler(() => validatorDeps);
    const eventsHandler = events.createDeploymentEventsHandler(() => deliveryDeps);
    // The notifier, as EventBridge invokes it on AWS: deployment events after the recorder, alarm
    // transitions from the watcher; its topic is a file (docs/runbooks/README.md).
    const notifications = new LocalNotificationTopic(path.join(dataDir, 'notifications.jsonl'), log);
    const notifierEnvironment = readHandlerEnvironment({
      ...settingsVariables,
      [ENV.table]: RESOURCES.table,
      [ENV.appConfigApplicationId]: applicationId,
      [ENV.appConfigEnvironmentIds]: JSON.stringify(environmentIds),
    });
    const notifierReady = buildNotifierDeps({
      documents,
      appconfig: appconfigClient,
      environment: notifierEnvironment,
      notifier: readNotifierEnvironment(notifierSettingsEnvironment(settings), settings.environments),
      topic: notifications,
    });
    const notify = notifierHandler.createNotifierHandler(() => notifierReady);
    const watcher = new LocalAlarmWatcher({
      monitor,
      application: APPCONFIG.application,
      environments: settings.environments,
      rollbackAlarms: settings.rollbackAlarms,
      // A few checks per alarm period, so a transition is told within a fraction of a period.
      intervalMs: Math.max(50, monitor.periodMs / 4),
      onEvent: async (event) => {
        await notify(event, lambdaContext('notifier'));
      },
      onError: (error) => log(`notifier: ${error instanceof Error ? error.message : String(error)}`),
    });
    watcher.start();
    closers.push(() => watcher.close());
    appconfig.setHooks({
      validate: async (input) => {
        await validatorHandler(
          {
            applicationId: input.applicationId,
            configurationProfileId: input.configurationProfileId,
            configurationVersion: input.configurationVersion,
            content: Buffer.from(input.content).toString('base64'),
            uri: 'hosted',
          },
          lambdaContext('config-validator'),
        );
      },
      onDeploymentEvent: async (event) => {
        await eventsHandler(event as never, lambdaContext('deployment-events'));
        await notify(event, lambdaContext('notifier'));
      },
    });

    let apiUrl = '';
    const consoleSettings = (): ConsoleSettings => ({
      mode: 'local',
      endpoint: apiUrl,
      environments: settings.environments,
      protectedEnvironments: settings.protectedEnvironments,
      strategies: [...Object.keys(PREDEFINED_STRATEGIES), ...settings.customStrategies.map((s) => s.name)],
      alarmsPath: '/_local/alarms',
      caller: DEFAULT_LOCAL_USER,
    });
    const gateway = await startGateway({
      port: portAt(0),
      handlers,
      serveConsole: consoleRoutes({
        build: () => ensureConsoleBuild({ log }),
        settings: consoleSettings,
      }),
      localRoutes: {
        '/_local/emf': async ({ method, body }) =>
          method === 'POST'
            ? { status: 202, body: { accepted: monitor.ingestLines(body) } }
            : { status: 405, body: {} },
        '/_local/notifications': async ({ method }) =>
          method === 'GET'
            ? { status: 200, body: { items: await notifications.list() } }
            : { status: 405, body: {} },
        // The daily scheduled scan on demand: the same handler over the local stores (README, "Local mode").
        '/_local/scan': localScanRoute(
          {
            environments: deliveryDeps.environments,
            prompts: registryDeps.prompts,
            bodies: registryDeps.bodies,
            audit: registryDeps.audit,
            environmentNames: settings.environments,
            now: () => new Date(),
          },
          log,
          () => lambdaContext('pinned-scan'),
        ),
        '/_local/alarms': async ({ query }) => {
          const env = query.environment;
          const environments = env ? [env] : settings.environments;
          return { status: 200, body: Object.fromEntries(environments.map((e) => [e, monitor.status(e)])) };
        },
      },
    });
    closers.push(() => gateway.close());
    apiUrl = gateway.url;

    const endpoints: LocalEndpoints = {
      api: gateway.url,
      agent: appconfig.agentUrl,
      appconfig: appconfig.url,
      appconfigdata: appconfig.url,
      dynamodb: dynamo.endpoint,
      s3: s3Service.endpoint,
      emf: `${gateway.url}/_local/emf`,
      console: `${gateway.url}${CONSOLE_PATH}/`,
      application: APPCONFIG.application,
      profile: APPCONFIG.profile,
      environments: settings.environments,
      applicationId,
      profileId,
      environmentIds,
      ...RESOURCES,
      region: REGION,
    };

    const marker = path.join(dataDir, 'seeded.json');
    let seeded = false;
    if (options.seed !== false && !existsSync(marker)) {
      const environment = settings.environments[0] as string;
      const result = await seedExamples(
        handlers,
        path.join(ROOT, 'examples', 'prompts'),
        environment,
        SEED_STRATEGY.name,
      );
      await writeAtomically(
        marker,
        `${JSON.stringify({ ...result, at: new Date().toISOString() }, null, 2)}\n`,
      );
      log(
        `seeded ${result.prompts.map((p) => `${p.id}@${p.version}`).join(', ')} and deployed them to ${environment}`,
      );
      if (result.evaluations.length > 0) {
        log(
          `evaluating ${result.evaluations.map((e) => `${e.id}@${e.version}`).join(', ')} with their suites (the release gate of ${settings.evalGatedEnvironments.join(', ') || 'no environment'} needs a PASSED run)`,
        );
      }
      seeded = true;
    }
    if (options.faults && options.faults.length > 0) {
      const { injectFaultSpecs } = await import('./faults.ts');
      injectFaultSpecs(
        options.faults,
        { dynamodb: dynamoClient, s3, appconfig: appconfigClient },
        (spec, hit) =>
          log(
            `fault: ${spec.text} hit ${spec.command} (${hit}${Number.isFinite(spec.times) ? ` of ${spec.times}` : ''})`,
          ),
      );
      for (const spec of options.faults) log(`FAULT INJECTION ON: ${spec.text}`);
    }
    await writeAtomically(path.join(dataDir, 'endpoints.json'), `${JSON.stringify(endpoints, null, 2)}\n`);
    return { endpoints, monitor, seeded, close };
  } catch (error) {
    await close();
    throw error;
  }
}
