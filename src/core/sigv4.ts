/**
 * SigV4 signing shared by the CLI (API Gateway's IAM auth) and the client's `feedback()`. The Smithy
 * signer is imported on first use and hashes with node:crypto, so the client needs no SHA-256
 * package. The credentials come from the caller: finding the default chain is the caller's job, as
 * it needs the AWS SDK, which the core does not import.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

/** The credentials SigV4 signs with (the AWS SDK's `AwsCredentialIdentity` shape). */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** Credentials found on demand (and refreshed by the provider when they expire), as the SDK's chain does. */
export type CredentialsProvider = () => Promise<AwsCredentials>;

export interface SigningOptions {
  readonly region: string;
  /** The signing name, such as `execute-api` or `monitoring`. */
  readonly service: string;
  readonly credentials: AwsCredentials | CredentialsProvider;
  /** @default now */
  readonly signingDate?: Date;
}

export interface RequestToSign {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** SHA-256 and HMAC-SHA256 from node:crypto, in the shape the Smithy signer expects. */
export class NodeSha256 {
  readonly #secret: string | Uint8Array | undefined;
  #hash: Hash | Hmac;

  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#secret =
      secret === undefined || typeof secret === 'string'
        ? secret
        : ArrayBuffer.isView(secret)
          ? new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength)
          : new Uint8Array(secret);
    this.#hash = this.#create();
  }

  #create(): Hash | Hmac {
    return this.#secret === undefined ? createHash('sha256') : createHmac('sha256', this.#secret);
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#hash.update(
      typeof data === 'string'
        ? data
        : ArrayBuffer.isView(data)
          ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
          : new Uint8Array(data),
    );
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.#hash.digest()));
  }

  reset(): void {
    this.#hash = this.#create();
  }
}

/** The headers to send: the given ones plus `authorization`, `x-amz-date` and, with a session, `x-amz-security-token`. */
export async function signRequest(
  request: RequestToSign,
  options: SigningOptions,
): Promise<Record<string, string>> {
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const signer = new SignatureV4({
    service: options.service,
    region: options.region,
    credentials: options.credentials,
    sha256: NodeSha256,
  });
  const { url } = request;
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    query[key] = values.length === 1 ? (values[0] as string) : values;
  }
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers: { ...request.headers, host: url.host },
      ...(request.body !== undefined ? { body: request.body } : {}),
    },
    options.signingDate ? { signingDate: options.signingDate } : {},
  );
  // fetch sets Host itself, to the value that was signed.
  const { host: _host, ...headers } = signed.headers;
  return headers;
}
