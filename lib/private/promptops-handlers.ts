/**
 * The PromptOps handlers themselves: one per handler of API_ROUTES (src/core/routes.ts) with the access
 * it needs, the AppConfig validator and the deployment-events recorder, and the key the feedback handler
 * hashes identities with; the evaluation worker the evaluate handler starts runs on; the canary tick;
 * the scheduled pinned-version scan.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { ENV } from '../../src/core/contracts.ts';
import { API_ROUTES, type HandlerName } from '../../src/core/routes.ts';
import type { PromptOps } from '../promptops.ts';
import { acknowledgeWildcardResource } from './nag.ts';

const routesOf = (handler: HandlerName) => API_ROUTES.filter((route) => route.handler === handler);
const entry = (name: string) => `lambda/handlers/${name}.ts`;

/** Adds every PromptOps handler to `promptOps`; returns the feedback identity hash key. */
export function addPromptOpsHandlers(promptOps: PromptOps, key: kms.IKey): secretsmanager.ISecret {
  promptOps.addApiHandler('publish', {
    entry: entry('publish'),
    routes: routesOf('publish'),
    access: { registry: 'readWrite', bodies: 'readWrite', versionObjects: 'readWrite' },
    memorySize: 1024,
  });
  promptOps.addApiHandler('review', {
    entry: entry('review'),
    routes: routesOf('review'),
    access: { registry: 'readWrite' },
  });
  const query = promptOps.addApiHandler('query', {
    entry: entry('query'),
    routes: routesOf('query'),
    access: { registry: 'read', bodies: 'read' },
  });
  // GET /prompts/{id}/metrics reads the per-version EMF metrics (docs/reports.md). GetMetricData
  // takes no resource: IAM authorizes it on "*" only, and it reads metrics, never writes them.
  query.addToRolePolicy(new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
  acknowledgeWildcardResource(
    query,
    '*',
    `${query.node.path}: cloudwatch:GetMetricData supports no resource-level permissions, so IAM allows it only on "*"; the metrics history route reads the PromptOps EMF metrics of one prompt's versions`,
  );
  // GET /prompts/{id}/feedback/items lists feedback items with their comments (docs/feedback.md).
  promptOps.store.grantQueryFeedback(query);
  // GET /prompts/{id}/shadow reads captured output pairs only where an environment captures them (docs/shadows.md).
  if (promptOps.settings.shadowOutputCapture.length > 0) promptOps.store.grantReadShadowOutputs(query);
  // Deploys talk to AppConfig: a little concurrency protects it (one deployment per environment anyway).
  promptOps.addApiHandler('deploy', {
    entry: entry('deploy'),
    routes: routesOf('deploy'),
    access: { registry: 'readWrite', bodies: 'read', versionObjects: 'readWrite', appConfig: 'deploy' },
    timeout: Duration.seconds(29),
    reservedConcurrentExecutions: 5,
  });
  // The identity hash key lives in Secrets Manager; the function reads it once per container.
  const hashSecret = new secretsmanager.Secret(promptOps, 'FeedbackHashSecret', {
    description: 'PromptOps: key of the HMAC that hashes feedback user and session ids',
    encryptionKey: key,
    generateSecretString: { passwordLength: 48, excludePunctuation: true },
  });
  Validations.of(hashSecret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason: `${hashSecret.node.path}: an HMAC key for pseudonymous ids; rotating it would split every user's feedback history in two, so it is rotated by hand when needed`,
  });
  const feedback = promptOps.addApiHandler('feedback', {
    entry: entry('feedback'),
    routes: routesOf('feedback'),
    access: { registry: 'read', feedback: 'readWrite' },
    environment: { [ENV.feedbackHashSecretArn]: hashSecret.secretArn },
    // Bounds the write rate on the per-day aggregate items (one partition per prompt version).
    reservedConcurrentExecutions: 20,
  });
  hashSecret.grantRead(feedback);
  // Counts what failed or killed posts left pending; a grant of its own on the feedback table.
  promptOps.addFeedbackReconciler({ entry: entry('feedback-reconciler') });
  promptOps.addApiHandler('metrics', { entry: entry('metrics'), routes: routesOf('metrics') });
  // Suites and results are items in the registry table with their texts in the bucket; the prompt's
  // document is read to check a suite's variables and to render the tests.
  const evaluationAccess = { registry: 'readWrite', bodies: 'read', evaluations: 'readWrite' } as const;
  const worker = promptOps.addEvaluationWorker({
    entry: entry('evaluation-worker'),
    access: evaluationAccess,
    memorySize: 1024,
    // A run is up to 200 tests, 4 model calls at a time: Lambda's longest timeout.
    timeout: Duration.minutes(15),
    // At most 10 runs (40 model calls) at once, bounding the load on Bedrock's quotas; later runs wait.
    reservedConcurrentExecutions: 10,
  });
  const evaluate = promptOps.addApiHandler('evaluate', {
    entry: entry('evaluate'),
    routes: routesOf('evaluate'),
    access: evaluationAccess,
    environment: { [ENV.evaluationFunction]: worker.functionName },
  });
  // The unqualified function only: the handler invokes it by name, never a version or alias.
  iam.Grant.addToPrincipal({
    grantee: evaluate,
    actions: ['lambda:InvokeFunction'],
    resourceArns: [worker.functionArn],
  });
  promptOps.addConfigValidator({
    entry: entry('config-validator'),
    access: { bodies: 'read', versionObjects: 'read', versionRefs: 'read' },
    // AppConfig's most for a validator: a 10,000-prompt manifest is 100 BatchGetItem calls of the
    // refs the registry records, and an object read for each ref it does not.
    timeout: Duration.seconds(15),
  });
  promptOps.addDeploymentEventsHandler({
    entry: entry('deployment-events'),
    access: { registry: 'readWrite', appConfig: 'read' },
  });
  // Reads the environment's deployment record and writes the analysis on it, and audits a failure.
  promptOps.addCanaryTickHandler({ entry: entry('canary-tick'), access: { registry: 'readWrite' } });
  // Reads the environments' pins, the pinned versions and their documents (for model.id); writes nothing.
  promptOps.addReviewReminderHandler({
    entry: entry('review-reminders'),
    access: { registry: 'read', bodies: 'read' },
  });
  // Reads the records it enriches with and writes its ledger and the incident timeline.
  promptOps.addNotifier({ entry: entry('notifier'), access: { registry: 'readWrite' } });
  // Reads pins, versions and bodies; its audit entry and notification come with grants of its own.
  promptOps.addPinnedScanHandler({
    entry: entry('pinned-scan'),
    access: { registry: 'read', bodies: 'read' },
  });
  return hashSecret;
}
