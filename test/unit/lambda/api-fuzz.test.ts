/**
 * Property-based fuzzing of every API route (docs/api.md): random path parameters, query strings,
 * headers and bodies never produce a 5xx, and a request that fails writes nothing. The AWS SDK clients
 * are mocked: reads find nothing, and every write command is recorded. Fixed seed, bounded runs.
 */
import { AppConfigClient } from '@aws-sdk/client-appconfig';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as deploy } from '../../../lambda/handlers/deploy.ts';
import { handler as evaluate } from '../../../lambda/handlers/evaluate.ts';
import { handler as feedback } from '../../../lambda/handlers/feedback.ts';
import { handler as metrics } from '../../../lambda/handlers/metrics.ts';
import { handler as publish } from '../../../lambda/handlers/publish.ts';
import { handler as query } from '../../../lambda/handlers/query.ts';
import { handler as review } from '../../../lambda/handlers/review.ts';
import { ENV } from '../../../src/core/contracts.ts';
import { API_ROUTES, type ApiRoute, type HandlerName } from '../../../src/core/routes.ts';
import { parseSettings, settingsEnvironment } from '../../../src/core/settings.ts';
import { apiGatewayEvent } from '../../../src/local/api-event.ts';
import { ALICE, type ApiHandler, lambdaContext } from '../../fixtures/api.ts';

const HANDLERS: Record<HandlerName, ApiHandler> = {
  publish,
  review,
  query,
  deploy,
  feedback,
  metrics,
  evaluate,
};
/** Runs per route; with the fixed seed every run of the suite sends the same requests. */
const RUNS = 60;
const SEED = 20_261_201;

/** Commands that change state, by their name: what "writes nothing" means. */
const WRITE_COMMAND =
  /^(Put|Update|Delete|BatchWrite|TransactWrite|Copy|CreateHostedConfiguration|StartDeployment|StopDeployment|Invoke|Publish|CompleteMultipart|CreateMultipart|UploadPart)/;

// biome-ignore lint/suspicious/noExplicitAny: one recorder for stubs of different clients
const stubs: AwsStub<any, any, any>[] = [
  mockClient(DynamoDBDocumentClient),
  mockClient(S3Client),
  mockClient(AppConfigClient),
  mockClient(LambdaClient),
  mockClient(CloudWatchClient),
];
const [dynamo, s3] = stubs as [(typeof stubs)[number], (typeof stubs)[number]];

const saved = { ...process.env };
beforeAll(() => {
  Object.assign(process.env, settingsEnvironment(parseSettings({ environments: 'dev,staging,prod' })), {
    [ENV.table]: 'registry',
    [ENV.feedbackTable]: 'feedback',
    [ENV.bodyBucket]: 'bodies',
    [ENV.appConfigApplicationId]: 'app1',
    [ENV.appConfigProfileId]: 'prof1',
    [ENV.appConfigEnvironmentIds]: JSON.stringify({ dev: 'e1', staging: 'e2', prod: 'e3' }),
    [ENV.strategies]: '{}',
    [ENV.feedbackHashSecret]: 'fuzz-hash-key-that-is-long-enough-for-hmac',
    [ENV.evaluationFunction]: 'promptops-evaluation-worker',
  });
});
afterAll(() => {
  process.env = saved;
  for (const stub of stubs) stub.restore();
});
beforeEach(() => {
  for (const stub of stubs) {
    stub.reset();
    stub.onAnyCommand().resolves({});
  }
  dynamo.on(QueryCommand).resolves({ Items: [] });
  dynamo.on(BatchGetCommand).resolves({ Responses: {} });
  s3.on(GetObjectCommand).rejects(
    Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' }),
  );
});

function writesSent(): string[] {
  return stubs.flatMap((stub) =>
    stub
      .calls()
      .map((c) => c.args[0].constructor.name as string)
      .filter((name) => WRITE_COMMAND.test(name)),
  );
}

/** Path parameters: plausible ids and versions, edge cases, and anything at all (never a slash). */
const pathParameter = fc.oneof(
  fc.constantFrom(
    'support-reply',
    'dev',
    'prod',
    '1.0.0',
    '0.0.0',
    'x',
    '..',
    '%2F',
    ' ',
    'ä',
    '🙂',
    'a'.repeat(300),
  ),
  fc.string({ maxLength: 80 }).filter((s) => s.length > 0 && !s.includes('/')),
);
const queryString = fc.dictionary(
  fc.oneof(
    fc.constantFrom('limit', 'cursor', 'from', 'to', 'since', 'until', 'period', 'environment', 'promptId'),
    fc.string({ maxLength: 12 }),
  ),
  fc.oneof(
    fc.constantFrom('0', '-1', '1', '1000000', 'NaN', '', 'eyJ9', '2026-13-40', '1.0.0'),
    fc.string({ maxLength: 60 }),
  ),
  { maxKeys: 4 },
);
/** Bodies: JSON values of any shape (objects with the contract's field names among them), or raw text. */
const fieldNames = fc.constantFrom(
  'document',
  'version',
  'bump',
  'message',
  'comment',
  'prompts',
  'strategy',
  'description',
  'reason',
  'promptId',
  'environment',
  'rating',
  'scale',
  'records',
  'suite',
  'provider',
  'segments',
  'variants',
);
const jsonBody = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(fieldNames, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }),
);
const request = fc.record({
  body: fc.oneof(
    jsonBody.map((value) => ({ text: JSON.stringify(value), type: 'application/json' })),
    fc.string({ maxLength: 200 }).map((text) => ({ text, type: 'application/json' })),
    fc.string({ maxLength: 50 }).map((text) => ({ text, type: 'text/plain' })),
    fc.constant(undefined),
  ),
  query: queryString,
  caller: fc.constantFrom(ALICE, 'arn:aws:sts::123456789012:assumed-role/app/session', ''),
});

type RandomRequest = typeof request extends fc.Arbitrary<infer T> ? T : never;

function sendRandom(route: ApiRoute, params: Record<string, string>, req: RandomRequest) {
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? 'x'));
  const event = apiGatewayEvent({
    method: route.method,
    path,
    routeKey: `${route.method} ${route.path}`,
    pathParameters: Object.fromEntries(
      [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => [name!, params[name!] ?? 'x']),
    ),
    query: req.query,
    headers: req.body ? { 'content-type': req.body.type } : {},
    ...(req.body ? { body: req.body.text } : {}),
    caller: req.caller,
  });
  return HANDLERS[route.handler](event, lambdaContext());
}

describe('API fuzzing (fast-check)', () => {
  it('covers every route of API_ROUTES with a handler', () => {
    for (const route of API_ROUTES) expect(HANDLERS[route.handler], route.path).toBeTypeOf('function');
  });

  it.each(API_ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s: random input never answers 5xx, and a refused request writes nothing',
    async (_key, route) => {
      const names = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => name!);
      const params = fc.record(Object.fromEntries(names.map((name) => [name, pathParameter])));
      const statuses = new Set<number>();
      await fc.assert(
        fc.asyncProperty(params, request, async (p, req) => {
          for (const stub of stubs) stub.resetHistory();
          const result = await sendRandom(route, p as Record<string, string>, req);
          const status = result.statusCode ?? 200;
          statuses.add(status);
          expect(status, String(result.body)).toBeLessThan(500);
          if (status >= 400) {
            expect(result.headers?.['content-type']).toBe('application/problem+json');
            expect(JSON.parse(String(result.body))).toMatchObject({ status, code: expect.any(String) });
            expect(writesSent()).toEqual([]);
          }
          if (route.method === 'GET') expect(writesSent()).toEqual([]);
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
      // The requests reached the handler's validation: most random input is refused with a 4xx.
      expect(
        [...statuses].some((status) => status >= 400 && status < 500),
        [...statuses].join(', '),
      ).toBe(true);
    },
    60_000,
  );
});
