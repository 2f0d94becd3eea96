import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../lambda/handlers/publish.ts';
import { bodyObjectKey, ENV } from '../../../src/core/contracts.ts';
import { ALICE, call } from '../../fixtures/api.ts';
import { BUCKET, canonical, exampleDocument, TABLE_NAME, versionItem } from '../../fixtures/registry.ts';
import { conditionalCheckFailed, s3Body } from '../../fixtures/sdk-mocks.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);

const publish = (
  body: unknown,
  id = 'support-reply',
  options: { rawBody?: string; headers?: Record<string, string> } = {},
) => call(handler, 'POST', `/prompts/${encodeURIComponent(id)}/versions`, { body, ...options });

function writesSent() {
  return {
    dynamo: dynamo.commandCalls(PutCommand).length + dynamo.commandCalls(UpdateCommand).length,
    s3: s3.commandCalls(PutObjectCommand).length,
  };
}

beforeAll(() => {
  process.env[ENV.table] = TABLE_NAME;
  process.env[ENV.bodyBucket] = BUCKET;
});

afterAll(() => {
  dynamo.restore();
  s3.restore();
});

beforeEach(() => {
  dynamo.reset();
  s3.reset();
  dynamo.on(QueryCommand).resolves({ Items: [] });
  dynamo.on(GetCommand).resolves({});
  dynamo.on(PutCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  s3.on(PutObjectCommand).resolves({});
});

describe('Handler: publish', () => {
  describe('a first version', () => {
    it('stores the document by hash, then the version by a conditional put, and answers 201', async () => {
      const { text, sha256 } = canonical(exampleDocument());
      const response = await publish({ document: exampleDocument(), message: 'first cut' });

      expect(response.status).toBe(201);
      expect(response.headers.location).toBe('/prompts/support-reply/versions/1.0.0');
      expect(response.body).toEqual({
        id: 'support-reply',
        version: '1.0.0',
        sha256,
        bump: { level: 'major', reasons: ['major: first version'] },
        createdBy: ALICE,
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });

      const [putObject] = s3.commandCalls(PutObjectCommand);
      expect(putObject?.args[0].input).toMatchObject({
        Bucket: BUCKET,
        Key: bodyObjectKey(sha256),
        Body: text,
      });

      const puts = dynamo.commandCalls(PutCommand).map((c) => c.args[0].input);
      const versionPut = puts.find((p) => String(p.Item?.sk).startsWith('VERSION#'));
      expect(versionPut).toMatchObject({
        TableName: TABLE_NAME,
        ConditionExpression: 'attribute_not_exists(#pk)',
        Item: {
          pk: 'PROMPT#support-reply',
          id: 'support-reply',
          version: '1.0.0',
          sha256,
          createdBy: ALICE,
          message: 'first cut',
          approvals: {},
        },
      });
      const audit = puts.find((p) => String(p.Item?.pk).startsWith('AUDIT#'));
      expect(audit?.Item).toMatchObject({
        action: 'prompt.publish',
        target: 'support-reply@1.0.0',
        actor: ALICE,
        promptId: 'support-reply',
      });
      const summary = dynamo.commandCalls(UpdateCommand)[0]?.args[0].input;
      expect(summary).toMatchObject({ Key: { pk: 'PROMPTS', sk: 'PROMPT#support-reply' } });
    });

    it('writes the body before the version item', async () => {
      await publish({ document: exampleDocument() });
      const body = s3.commandCalls(PutObjectCommand)[0];
      const version = dynamo.commandCalls(PutCommand)[0];
      expect(body && version && body.calledBefore(version)).toBe(true);
    });
  });

  describe('a later version', () => {
    const v1 = canonical(exampleDocument());

    beforeEach(() => {
      dynamo
        .on(QueryCommand)
        .resolves({ Items: [versionItem({ version: '1.2.0', sha256: v1.sha256, createdBy: ALICE })] });
      s3.on(GetObjectCommand).resolves({ Body: s3Body(v1.text) } as never);
    });

    it('bumps by what the change implies and says why', async () => {
      const response = await publish({ document: exampleDocument('Replies politely') });
      expect(response.status).toBe(201);
      expect(response.body.version).toBe('1.2.1');
      expect(response.body.bump).toEqual({ level: 'patch', reasons: ['patch: description changed'] });
    });

    it('answers 200 with the latest version when the identical document is published again', async () => {
      const response = await publish({ document: exampleDocument() });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ version: '1.2.0', sha256: v1.sha256 });
      expect(
        dynamo
          .commandCalls(PutCommand)
          .filter((c) => String(c.args[0].input.Item?.sk).startsWith('VERSION#')),
      ).toHaveLength(0);
    });

    it('answers 200 for a retry with the same version and document', async () => {
      dynamo
        .on(GetCommand)
        .resolves({ Item: versionItem({ version: '1.2.0', sha256: v1.sha256, createdBy: ALICE }) });
      const response = await publish({ document: exampleDocument(), version: '1.2.0' });
      expect(response.status).toBe(200);
      expect(response.body.version).toBe('1.2.0');
    });

    it('is 409 VERSION_EXISTS for the same version with different content, writing nothing', async () => {
      dynamo
        .on(GetCommand)
        .resolves({ Item: versionItem({ version: '1.2.0', sha256: v1.sha256, createdBy: ALICE }) });
      const response = await publish({ document: exampleDocument('Other'), version: '1.2.0' });
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('VERSION_EXISTS');
      expect(writesSent()).toEqual({ dynamo: 0, s3: 0 });
    });

    it('is 409 VERSION_NOT_GREATER for a version not above the latest, writing nothing', async () => {
      const response = await publish({ document: exampleDocument('Other'), version: '1.1.0' });
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('VERSION_NOT_GREATER');
      expect(response.body.detail).toMatch(/not greater than the latest version 1.2.0/);
      expect(writesSent()).toEqual({ dynamo: 0, s3: 0 });
    });

    it('answers 200, not VERSION_NOT_GREATER, when a concurrent publish created the same version between reads', async () => {
      // GetItem saw nothing; by the latest-version Query, 1.2.0 (the same document) exists.
      const response = await publish({ document: exampleDocument(), version: '1.2.0' });
      expect(response.status).toBe(200);
      expect(response.body.version).toBe('1.2.0');
      expect(writesSent().s3).toBe(0);
    });

    it('answers a lost race for the same version by comparing content', async () => {
      const v2 = canonical(exampleDocument('Replies politely'));
      dynamo.on(PutCommand).rejects(conditionalCheckFailed());
      dynamo
        .on(GetCommand)
        .resolvesOnce({})
        .resolves({ Item: versionItem({ version: '1.2.1', sha256: v2.sha256, createdBy: ALICE }) });
      const same = await publish({ document: exampleDocument('Replies politely'), version: '1.2.1' });
      expect(same.status).toBe(200);

      dynamo
        .on(GetCommand)
        .resolvesOnce({})
        .resolves({ Item: versionItem({ version: '1.2.1', sha256: 'f'.repeat(64), createdBy: ALICE }) });
      const different = await publish({ document: exampleDocument('Replies politely'), version: '1.2.1' });
      expect(different.status).toBe(409);
      expect(different.body.code).toBe('VERSION_EXISTS');
    });
  });

  describe('faults', () => {
    it('is a 500 problem with the request id, and no version item, when S3 fails', async () => {
      s3.on(PutObjectCommand).rejects(new Error('S3 is down: internal detail'));
      const response = await call(handler, 'POST', '/prompts/support-reply/versions', {
        body: { document: exampleDocument() },
        requestId: 'req-123',
      });
      expect(response.status).toBe(500);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(response.body).toMatchObject({ code: 'INTERNAL', status: 500, requestId: 'req-123' });
      expect(response.body.detail).toContain('req-123');
      expect(JSON.stringify(response.body)).not.toContain('internal detail');
      expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
    });

    it('is 429 THROTTLED when DynamoDB throttles', async () => {
      dynamo
        .on(QueryCommand)
        .rejects(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' }));
      const response = await publish({ document: exampleDocument() });
      expect(response.status).toBe(429);
      expect(response.body.code).toBe('THROTTLED');
      expect(response.headers['retry-after']).toBe('1');
    });
  });

  describe('bad input: the documented 4xx, a problem body, and nothing written', () => {
    const secretDocument = exampleDocument().replace(
      'Never promise refunds.',
      'Use key AKIAIOSFODNN7EXAMPLE.',
    );
    const mismatched = exampleDocument().replace('id: support-reply', 'id: other-prompt');
    const missingSection = exampleDocument().replace(
      '## output_format\nPlain text, at most 150 words.\n',
      '',
    );

    it.each<[string, () => ReturnType<typeof publish>, number, string]>([
      [
        'malformed JSON',
        () =>
          publish(undefined, 'support-reply', {
            rawBody: '{"document": ',
            headers: { 'content-type': 'application/json' },
          }),
        400,
        'BAD_REQUEST',
      ],
      [
        'wrong content type',
        () =>
          publish(undefined, 'support-reply', {
            rawBody: 'document=x',
            headers: { 'content-type': 'text/plain' },
          }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'no content type',
        () => publish(undefined, 'support-reply', { rawBody: '{"document":"x"}' }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'empty body',
        () =>
          publish(undefined, 'support-reply', {
            rawBody: '',
            headers: { 'content-type': 'application/json' },
          }),
        400,
        'BAD_REQUEST',
      ],
      ['a JSON array', () => publish([exampleDocument()]), 400, 'VALIDATION_FAILED'],
      ['missing document', () => publish({ version: '1.0.0' }), 400, 'VALIDATION_FAILED'],
      ['document of the wrong type', () => publish({ document: 42 }), 400, 'VALIDATION_FAILED'],
      ['empty document', () => publish({ document: '' }), 400, 'VALIDATION_FAILED'],
      [
        'version of the wrong type',
        () => publish({ document: exampleDocument(), version: 1 }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'invalid semver',
        () => publish({ document: exampleDocument(), version: '1.0' }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'a v-prefixed version',
        () => publish({ document: exampleDocument(), version: 'v1.0.0' }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'an unknown bump',
        () => publish({ document: exampleDocument(), bump: 'huge' }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'a message over 1,000 characters',
        () => publish({ document: exampleDocument(), message: 'x'.repeat(1001) }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'an unknown field',
        () => publish({ document: exampleDocument(), force: true }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'a __proto__ key',
        () =>
          publish(undefined, 'support-reply', {
            rawBody: `{"document":${JSON.stringify(exampleDocument())},"__proto__":{"admin":true}}`,
            headers: { 'content-type': 'application/json' },
          }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'a constructor key',
        () => publish({ document: exampleDocument(), constructor: { prototype: {} } }),
        400,
        'VALIDATION_FAILED',
      ],
      ['id ..', () => publish({ document: exampleDocument() }, '..'), 400, 'VALIDATION_FAILED'],
      ['id a/b', () => publish({ document: exampleDocument() }, 'a/b'), 400, 'VALIDATION_FAILED'],
      ['id %2e%2e', () => publish({ document: exampleDocument() }, '%2e%2e'), 400, 'VALIDATION_FAILED'],
      [
        'a look-alike id',
        () => publish({ document: exampleDocument() }, 'ѕupport-reply'),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'a 65-character id',
        () => publish({ document: exampleDocument() }, 'a'.repeat(65)),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'a document whose id differs from the path',
        () => publish({ document: mismatched }),
        400,
        'VALIDATION_FAILED',
      ],
      ['secrets in the body', () => publish({ document: secretDocument }), 422, 'LINT_FAILED'],
      ['a missing required section', () => publish({ document: missingSection }), 422, 'LINT_FAILED'],
      ['a document that does not parse', () => publish({ document: 'just text' }), 422, 'LINT_FAILED'],
      [
        'an oversize request',
        () => publish({ document: `${exampleDocument()}\n${'x'.repeat(300 * 1024)}` }),
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      [
        'an oversize document',
        () =>
          publish({ document: exampleDocument().replace('Never promise refunds.', 'x'.repeat(140 * 1024)) }),
        422,
        'LINT_FAILED',
      ],
    ])('%s', async (_label, send, status, code) => {
      const response = await send();
      expect(response.status).toBe(status);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(response.body).toMatchObject({
        status,
        code,
        title: expect.any(String),
        detail: expect.any(String),
        type: expect.stringContaining('urn:promptops:problem:'),
      });
      expect(writesSent()).toEqual({ dynamo: 0, s3: 0 });
    });

    it('names the offending field', async () => {
      const response = await publish({ document: 42, bump: 'huge' });
      expect(response.body.errors).toEqual(
        expect.arrayContaining([
          { path: 'document', message: 'must be the .prompt.md text as a string' },
          { path: 'bump', message: 'must be one of auto, major, minor, patch' },
        ]),
      );
    });

    it('returns the lint findings with their lines', async () => {
      const response = await publish({ document: secretDocument });
      // The example also draws a prompt-injection warning ({{ticket}} has no delimiter).
      expect(response.body.findings.filter((f: { severity: string }) => f.severity === 'error')).toEqual([
        expect.objectContaining({
          rule: 'secrets',
          severity: 'error',
          line: 20,
          message: expect.stringContaining('AWS access key id'),
        }),
      ]);
      expect(JSON.stringify(response.body)).not.toContain('AKIAIOSFODNN7EXAMPLE');
    });

    it('shows the offending id escaped', async () => {
      const response = await publish({ document: exampleDocument() }, 'ѕupport-reply');
      expect(response.body.detail).toContain('"\\u0455upport-reply" is not a valid prompt id');
    });

    it('is 403 FORBIDDEN without an IAM identity', async () => {
      const response = await call(handler, 'POST', '/prompts/support-reply/versions', {
        body: { document: exampleDocument() },
        caller: null,
      });
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('FORBIDDEN');
      expect(writesSent()).toEqual({ dynamo: 0, s3: 0 });
    });
  });
});
