/**
 * Every AWS call a handler's code can make is allowed by its role. The in-memory fakes and the
 * embedded DynamoDB and S3 never check IAM, so a missing action only shows on AWS; this test reads
 * the SDK commands each handler's source graph constructs and checks each against the synthesized
 * policy. A command a handler imports but never sends (its adapters are shared) is listed below
 * with the reason, so a new command is a decision, not an AccessDenied in production.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, buildPromptOps, roleStatements } from './support.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** SDK command -> the IAM action it needs. */
const ACTIONS: Record<string, string> = {
  GetCommand: 'dynamodb:GetItem',
  BatchGetCommand: 'dynamodb:BatchGetItem',
  QueryCommand: 'dynamodb:Query',
  PutCommand: 'dynamodb:PutItem',
  UpdateCommand: 'dynamodb:UpdateItem',
  DeleteCommand: 'dynamodb:DeleteItem',
  GetObjectCommand: 's3:GetObject',
  HeadObjectCommand: 's3:GetObject',
  PutObjectCommand: 's3:PutObject',
  ListObjectsV2Command: 's3:ListBucket',
  GetSecretValueCommand: 'secretsmanager:GetSecretValue',
  CreateHostedConfigurationVersionCommand: 'appconfig:CreateHostedConfigurationVersion',
  ListHostedConfigurationVersionsCommand: 'appconfig:ListHostedConfigurationVersions',
  StartDeploymentCommand: 'appconfig:StartDeployment',
  StopDeploymentCommand: 'appconfig:StopDeployment',
  GetDeploymentCommand: 'appconfig:GetDeployment',
  ListDeploymentsCommand: 'appconfig:ListDeployments',
  InvokeCommand: 'lambda:InvokeFunction',
  // Converse is authorized as bedrock:InvokeModel.
  ConverseCommand: 'bedrock:InvokeModel',
  GetMetricDataCommand: 'cloudwatch:GetMetricData',
  PublishCommand: 'sns:Publish',
};

const REGISTRY_WRITES = ['PutCommand', 'UpdateCommand', 'PutObjectCommand'];
const DELIVERY_CALLS = [
  'CreateHostedConfigurationVersionCommand',
  'ListHostedConfigurationVersionsCommand',
  'StartDeploymentCommand',
  'StopDeploymentCommand',
  'GetDeploymentCommand',
  'ListDeploymentsCommand',
];

interface HandlerCase {
  readonly entry: string;
  readonly role: string;
  /** Commands in the source graph this handler never sends, and why. */
  readonly unused?: Readonly<Record<string, string>>;
  /**
   * Commands the handler's job needs, checked against its role whatever its source graph holds, so
   * the role is right before the code that sends them lands.
   */
  readonly sends?: readonly string[];
}

const EVALUATION_STORAGE = [
  'GetCommand',
  'PutCommand',
  'UpdateCommand',
  'QueryCommand',
  'GetObjectCommand',
  'PutObjectCommand',
];

const HANDLERS: readonly HandlerCase[] = [
  { entry: 'lambda/handlers/publish.ts', role: 'PromptOpsApiPublishHandlerRole' },
  {
    entry: 'lambda/handlers/review.ts',
    role: 'PromptOpsApiReviewHandlerRole',
    unused: {
      GetObjectCommand: 'review records decisions; it never reads a body',
      PutObjectCommand: 'review never stores a body',
    },
  },
  {
    entry: 'lambda/handlers/query.ts',
    role: 'PromptOpsApiQueryHandlerRole',
    unused: {
      ...Object.fromEntries(
        [...REGISTRY_WRITES, 'DeleteCommand'].map((c) => [
          c,
          'query only reads (it shares the feedback repository for its Query)',
        ]),
      ),
      ListObjectsV2Command:
        'lists captured shadow outputs only where shadowOutputCapture names an environment, which grants it (test/infra/shadow-capture.test.ts)',
    },
  },
  // Deploy writes the version objects it builds (docs/architecture.md, "Ten thousand prompts").
  { entry: 'lambda/handlers/deploy.ts', role: 'PromptOpsApiDeployHandlerRole' },
  { entry: 'lambda/handlers/feedback.ts', role: 'PromptOpsApiFeedbackHandlerRole' },
  { entry: 'lambda/handlers/metrics.ts', role: 'PromptOpsApiMetricsHandlerRole' },
  {
    entry: 'lambda/handlers/config-validator.ts',
    role: 'PromptOpsConfigValidatorRole',
    unused: Object.fromEntries(
      [...REGISTRY_WRITES, ...DELIVERY_CALLS, 'GetCommand', 'QueryCommand', 'DeleteCommand'].map((c) => [
        c,
        'the validator only reads the bodies a manifest refers to and the refs version items record (BatchGetItem)',
      ]),
    ),
  },
  {
    entry: 'lambda/handlers/deployment-events.ts',
    role: 'PromptOpsDeploymentEventsRole',
    unused: {
      PutObjectCommand: 'deployment events never store a body',
      GetObjectCommand: 'deployment events never read a body',
      DeleteCommand: 'deployment events only put and update records',
      CreateHostedConfigurationVersionCommand: 'deployment events never create configuration',
      ListHostedConfigurationVersionsCommand: 'deployment events never create configuration',
      StartDeploymentCommand: 'deployment events never start a deployment',
      StopDeploymentCommand: 'deployment events never stop a deployment',
    },
  },
  { entry: 'lib/private/initial-manifest-handler.ts', role: 'PromptOpsDeliveryInitialManifestHandlerRole' },
  {
    entry: 'lambda/handlers/evaluate.ts',
    role: 'PromptOpsApiEvaluateHandlerRole',
    sends: [...EVALUATION_STORAGE, 'InvokeCommand'],
  },
  {
    entry: 'lambda/handlers/evaluation-worker.ts',
    role: 'PromptOpsEvaluationWorkerRole',
    sends: [...EVALUATION_STORAGE, 'ConverseCommand'],
  },
  {
    entry: 'lambda/handlers/canary-tick.ts',
    role: 'PromptOpsCanaryTickRole',
    // The per-version metrics; the environment's deployment record (read, analysis written on it,
    // revisions queried) and the audit event of a failed canary.
    sends: ['GetMetricDataCommand', 'GetCommand', 'UpdateCommand', 'QueryCommand', 'PutCommand'],
  },
  {
    entry: 'lambda/handlers/feedback-reconciler.ts',
    role: 'PromptOpsFeedbackReconcilerRole',
    // Shards read and settled, pending entries queried on gsi2 and cleared; never an item put or deleted.
    unused: {
      PutCommand: 'the reconciler shares the feedback repository, whose item put it never calls',
      DeleteCommand: 'the reconciler never deletes an item',
    },
    sends: ['GetCommand', 'UpdateCommand', 'QueryCommand'],
  },
  {
    entry: 'lambda/handlers/pinned-scan.ts',
    role: 'PromptOpsPinnedScanRole',
    // Pins, versions and bodies read; one audit item put (LeadingKeys AUDIT#*); the notification.
    unused: {
      UpdateCommand: 'the scan shares the environment store and repository, whose updates it never calls',
      DeleteCommand: 'the scan never deletes',
      PutObjectCommand: 'the scan never stores a body',
    },
    sends: ['GetCommand', 'GetObjectCommand', 'PutCommand', 'PublishCommand'],
  },
];

/** The SDK commands constructed anywhere in a module's relative import graph. */
function commandsOf(entry: string): Set<string> {
  const seen = new Set<string>();
  const commands = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/new (\w+Command)\(/g)) commands.add(match[1] as string);
    for (const match of source.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
      visit(path.resolve(path.dirname(file), match[1] as string));
    }
  };
  visit(path.join(ROOT, entry));
  return commands;
}

function allows(granted: readonly string[], action: string): boolean {
  return granted.some(
    (pattern) =>
      pattern === '*' ||
      new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`, 'i').test(
        action,
      ),
  );
}

describe('handler roles allow every AWS call the handler makes', () => {
  let template: Template;

  beforeAll(() => {
    // A listed model, so that the worker's role holds the Bedrock grant its Converse calls need.
    ({ template } = buildPromptOps({
      handlers: true,
      evalModels: ['anthropic.claude-3-haiku-20240307-v1:0'],
    }));
  });

  it.each(HANDLERS)('$entry', ({ entry, role, unused = {}, sends = [] }) => {
    const granted = roleStatements(template, role)
      .filter((statement) => statement.Effect === 'Allow')
      .flatMap(actionsOf);
    const commands = commandsOf(entry);
    for (const command of Object.keys(unused)) {
      expect(commands.has(command), `${command} is listed as unused by ${entry} but not in its code`).toBe(
        true,
      );
    }
    const needed = [...new Set([...commands, ...sends])].filter((command) => !(command in unused));
    for (const command of needed) {
      const action = ACTIONS[command];
      expect(action, `${command} (in ${entry}) has no IAM action in this test's table`).toBeDefined();
      expect(allows(granted, action as string), `${role} must allow ${action} for ${command}`).toBe(true);
    }
  });

  it('grants no batch writes or transactions: every write is a single conditional item', () => {
    const actions = HANDLERS.flatMap(({ role }) => roleStatements(template, role).flatMap(actionsOf));
    expect(actions.filter((a) => /BatchWrite|TransactWrite/.test(a))).toEqual([]);
  });
});
