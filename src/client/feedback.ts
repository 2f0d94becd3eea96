/**
 * `feedback()`: POST /feedback to the PromptOps API, SigV4-signed for API Gateway's IAM auth with
 * the default AWS credential chain. The signer and the credential chain are imported on first use.
 */
import './load-path.ts';
import type { FeedbackRequest } from '../core/api.ts';
import { CLIENT_ENV } from '../core/client-contract.ts';
import { type AwsCredentials, type CredentialsProvider, signRequest } from '../core/sigv4.ts';
import { FeedbackError } from './errors.ts';
import type { Prompt } from './prompt.ts';
import { IDEMPOTENCY_KEY_HEADER, newIdempotencyKey, type RetryPolicy, withRetries } from './retry.ts';

/** A rating of the prompt version a `Prompt` is (its id, version, environment and segment are added). */
export type FeedbackInput = Omit<FeedbackRequest, 'promptId' | 'version' | 'environment' | 'segment'>;

export type { AwsCredentials, CredentialsProvider };

export interface FeedbackSettings {
  /** The PromptOps API URL. @default process.env.PROMPTOPS_API_ENDPOINT */
  readonly apiEndpoint?: string;
  /** Region for the signature. @default the endpoint's region, else AWS_REGION */
  readonly region?: string;
  /** @default the default AWS credential chain (@aws-sdk/credential-provider-node) */
  readonly credentials?: AwsCredentials | CredentialsProvider;
  /** Retries of a post that failed on the network, timed out or answered 429/5xx (same Idempotency-Key). */
  readonly retry?: RetryPolicy;
}

const TIMEOUT_MS = 10_000;

export class FeedbackSender {
  readonly #settings: FeedbackSettings;
  #defaultCredentials: CredentialsProvider | undefined;

  constructor(settings: FeedbackSettings) {
    this.#settings = settings;
  }

  async send(prompt: Prompt, input: FeedbackInput): Promise<{ id: string }> {
    const endpoint = this.#settings.apiEndpoint ?? process.env[CLIENT_ENV.apiEndpoint];
    if (!endpoint) {
      throw new FeedbackError(
        `No PromptOps API endpoint: pass apiEndpoint to the PromptClient or set ${CLIENT_ENV.apiEndpoint}`,
      );
    }
    const url = new URL('feedback', endpoint.endsWith('/') ? endpoint : `${endpoint}/`);
    const region =
      this.#settings.region ??
      /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.[1] ??
      process.env.AWS_REGION ??
      process.env.AWS_DEFAULT_REGION;
    if (!region) {
      throw new FeedbackError(
        `No region to sign the feedback request for ${url.host}: pass region or set AWS_REGION`,
      );
    }
    const body = JSON.stringify({
      promptId: prompt.id,
      version: prompt.version,
      environment: prompt.environment,
      rating: input.rating,
      scale: input.scale,
      comment: input.comment,
      sessionId: input.sessionId,
      userId: input.userId,
      // The segment whose pin served (docs/segments.md), so the report can be filtered by it.
      segment: prompt.segment,
      tags: input.tags,
    } satisfies FeedbackRequest);

    const headers = await signRequest(
      {
        method: 'POST',
        url,
        // One key for every attempt: the API records the rating once however often it is retried.
        headers: { 'content-type': 'application/json', [IDEMPOTENCY_KEY_HEADER]: newIdempotencyKey() },
        body,
      },
      {
        service: 'execute-api',
        region,
        credentials: this.#settings.credentials ?? (await this.#defaultChain()),
      },
    );

    let response: Response;
    try {
      response = await withRetries(
        () => fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) }),
        this.#settings.retry,
      );
    } catch (cause) {
      throw new FeedbackError(
        `Could not reach the PromptOps API at ${url.href}: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
    const text = await response.text();
    let answer: { id?: unknown; code?: unknown; detail?: unknown } = {};
    try {
      answer = JSON.parse(text);
    } catch {
      // A gateway error page: the status says enough.
    }
    if (!response.ok) {
      throw new FeedbackError(
        `The PromptOps API refused the feedback with HTTP ${response.status}${typeof answer.detail === 'string' ? `: ${answer.detail}` : ''}`,
        { status: response.status, ...(typeof answer.code === 'string' ? { code: answer.code } : {}) },
      );
    }
    if (typeof answer.id !== 'string') {
      throw new FeedbackError(`The PromptOps API answered HTTP ${response.status} without a feedback id`, {
        status: response.status,
      });
    }
    return { id: answer.id };
  }

  async #defaultChain(): Promise<CredentialsProvider> {
    if (this.#defaultCredentials === undefined) {
      const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
      this.#defaultCredentials ??= defaultProvider();
    }
    return this.#defaultCredentials;
  }
}
