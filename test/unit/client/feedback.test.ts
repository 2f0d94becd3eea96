/** feedback(): a SigV4-signed POST /feedback, checked by a local server that verifies the signature. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  FeedbackError,
  type Prompt,
  PromptClient,
  type PromptClientOptions,
} from '../../../src/client/index.ts';
import { buildManifest } from '../../../src/core/manifest-builder.ts';
import {
  APPLICATION,
  ENVIRONMENT,
  supportDocument,
  supportManifest,
  temporaryDirectory,
  variant,
} from '../../fixtures/client-manifests.ts';

const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'secret-key',
  sessionToken: 'session-token',
};

interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

let server: Server;
let endpoint: string;
let received: Received[];
let answer: { status: number; body: unknown };
let files: ReturnType<typeof temporaryDirectory>;
let prompt: Prompt;

function client(options: Partial<PromptClientOptions> = {}): PromptClient {
  return new PromptClient({
    application: APPLICATION,
    environment: ENVIRONMENT,
    source: { type: 'file', path: files.write('manifest.json', supportManifest('1.3.0').json) },
    apiEndpoint: endpoint,
    region: 'eu-west-1',
    credentials: CREDENTIALS,
    logger: { warn: vi.fn() },
    ...options,
  });
}

/** Re-signs the request as the server received it, with an independent SHA-256, and compares. */
async function signatureVerifies(
  request: Received,
  credentials = CREDENTIALS,
  region = 'eu-west-1',
): Promise<boolean> {
  const authorization = String(request.headers.authorization);
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
  const amzDate = String(request.headers['x-amz-date']);
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13)}`,
  );
  const url = new URL(request.path, endpoint);
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256 });
  const resigned = await signer.sign(
    {
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: {},
      headers: Object.fromEntries(signedHeaders.map((name) => [name, String(request.headers[name])])),
      body: request.body,
    },
    { signingDate },
  );
  return resigned.headers.authorization === authorization;
}

beforeEach(async () => {
  files = temporaryDirectory();
  received = [];
  answer = { status: 202, body: { id: 'fb-123' } };
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  prompt = await client().get('support-reply');
});

afterEach(async () => {
  vi.unstubAllEnvs();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  files.cleanup();
});

describe('Class: PromptClient', () => {
  describe('Method: feedback', () => {
    it('posts the rating for the prompt version, signed for execute-api', async () => {
      const result = await client().feedback(prompt, {
        rating: 1,
        scale: 'thumbs',
        comment: 'Helpful',
        sessionId: 's-1',
        userId: 'u-1',
        tags: ['billing'],
      });

      expect(result).toEqual({ id: 'fb-123' });
      expect(received).toHaveLength(1);
      const [request] = received as [Received];
      expect(request.method).toBe('POST');
      expect(request.path).toBe('/feedback');
      expect(request.headers['content-type']).toBe('application/json');
      expect(JSON.parse(request.body)).toEqual({
        promptId: 'support-reply',
        version: '1.3.0',
        environment: 'prod',
        rating: 1,
        scale: 'thumbs',
        comment: 'Helpful',
        sessionId: 's-1',
        userId: 'u-1',
        tags: ['billing'],
      });
      expect(request.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=\S*host\S*, Signature=[0-9a-f]{64}$/,
      );
      expect(request.headers['x-amz-security-token']).toBe('session-token');
      expect(await signatureVerifies(request)).toBe(true);
      expect(await signatureVerifies(request, CREDENTIALS, 'us-east-1')).toBe(false);
    });

    it('sends only the fields given, under the endpoint path, from the environment settings', async () => {
      vi.stubEnv('PROMPTOPS_API_ENDPOINT', `${endpoint}/prod/`);
      vi.stubEnv('AWS_REGION', 'us-east-2');

      await client({ apiEndpoint: undefined, region: undefined }).feedback(prompt, {
        rating: 4,
        scale: 'stars',
      });

      const [request] = received as [Received];
      expect(request.path).toBe('/prod/feedback');
      expect(JSON.parse(request.body)).toEqual({
        promptId: 'support-reply',
        version: '1.3.0',
        environment: 'prod',
        rating: 4,
        scale: 'stars',
      });
      expect(request.headers.authorization).toContain('/us-east-2/execute-api/aws4_request');
      expect(await signatureVerifies(request, CREDENTIALS, 'us-east-2')).toBe(true);
    });

    it('sends the segment whose pin served the prompt, and none for the default pin (docs/segments.md)', async () => {
      const { json } = buildManifest({
        environment: ENVIRONMENT,
        revision: 2,
        generatedAt: '2026-11-22T10:00:00.000Z',
        prompts: { 'support-reply': [variant(supportDocument('default'), '1.1.0')] },
        segments: { 'support-reply': { beta: [variant(supportDocument('beta'), '1.2.0')] } },
      });
      const segmented = client({ source: { type: 'file', path: files.write('segments.json', json) } });
      const beta = await segmented.get('support-reply', { segment: 'beta' });
      const other = await segmented.get('support-reply', { segment: 'eu' });

      await segmented.feedback(beta, { rating: 1 });
      await segmented.feedback(other, { rating: -1 });

      const [first, second] = received as [Received, Received];
      expect(JSON.parse(first.body)).toEqual({
        promptId: 'support-reply',
        version: '1.2.0',
        environment: 'prod',
        segment: 'beta',
        rating: 1,
      });
      expect(JSON.parse(second.body)).toEqual({
        promptId: 'support-reply',
        version: '1.1.0',
        environment: 'prod',
        rating: -1,
      });
    });

    it('uses the default AWS credential chain when no credentials are given', async () => {
      vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDFROMENV');
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'env-secret');
      vi.stubEnv('AWS_SESSION_TOKEN', '');

      await client({ credentials: undefined }).feedback(prompt, { rating: -1 });

      const [request] = received as [Received];
      expect(request.headers.authorization).toMatch(/Credential=AKIDFROMENV\//);
      expect(
        await signatureVerifies(request, {
          accessKeyId: 'AKIDFROMENV',
          secretAccessKey: 'env-secret',
          sessionToken: '',
        }),
      ).toBe(true);
    });

    it('accepts a credentials provider', async () => {
      const provider = vi.fn(async () => CREDENTIALS);

      await client({ credentials: provider }).feedback(prompt, { rating: 1 });

      expect(provider).toHaveBeenCalled();
      expect(await signatureVerifies(received[0] as Received)).toBe(true);
    });

    it('rejects with FeedbackError carrying the status and problem code when the API refuses', async () => {
      answer = {
        status: 400,
        body: {
          type: 'x',
          title: 'Validation failed',
          status: 400,
          code: 'VALIDATION_FAILED',
          detail: 'rating must be -1 or 1',
        },
      };

      const error = await client()
        .feedback(prompt, { rating: 7 })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(FeedbackError);
      expect(error).toMatchObject({ name: 'FeedbackError', status: 400, code: 'VALIDATION_FAILED' });
      expect((error as Error).message).toBe(
        'The PromptOps API refused the feedback with HTTP 400: rating must be -1 or 1',
      );
    });

    it('rejects with FeedbackError naming the setting when there is no endpoint', async () => {
      vi.stubEnv('PROMPTOPS_API_ENDPOINT', '');

      await expect(client({ apiEndpoint: undefined }).feedback(prompt, { rating: 1 })).rejects.toThrow(
        /No PromptOps API endpoint: pass apiEndpoint to the PromptClient or set PROMPTOPS_API_ENDPOINT/,
      );
      expect(received).toHaveLength(0);
    });

    it('rejects with FeedbackError, the cause attached, when the API cannot be reached', async () => {
      const error = await client({ apiEndpoint: 'http://127.0.0.1:9' })
        .feedback(prompt, { rating: 1 })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(FeedbackError);
      expect((error as Error).message).toMatch(
        /Could not reach the PromptOps API at http:\/\/127\.0\.0\.1:9\/feedback/,
      );
      expect((error as Error).cause).toBeDefined();
    });
  });
});
