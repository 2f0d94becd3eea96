/**
 * SigV4 for requests to AWS: API Gateway's IAM authorization (service `execute-api`) and the
 * CloudWatch query API. The signer and the default credential chain are loaded on first use, so
 * commands that never reach AWS never pay for them.
 */
import { CliError } from './errors.ts';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

export type CredentialsProvider = () => Promise<AwsCredentials>;

export interface SignOptions {
  readonly region: string;
  /** @default 'execute-api' */
  readonly service?: string;
  /** @default the default AWS credential chain */
  readonly credentials?: AwsCredentials | CredentialsProvider;
  /** @default now */
  readonly signingDate?: Date;
}

export interface RequestToSign {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

let defaultChain: CredentialsProvider | undefined;

async function defaultCredentials(): Promise<CredentialsProvider> {
  if (!defaultChain) {
    const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
    const provider = defaultProvider();
    defaultChain = async () => {
      try {
        return await provider();
      } catch (error) {
        throw new CliError(`No AWS credentials to sign the request: ${(error as Error).message}`, {
          cause: error,
          details: [
            'Configure credentials as for the AWS CLI (AWS_PROFILE, aws sso login, environment variables),',
            'or point --endpoint at local mode (http://127.0.0.1:4100).',
          ],
        });
      }
    };
  }
  return defaultChain;
}

/** The headers to send: the given ones plus `authorization`, `x-amz-date` and, with a session, `x-amz-security-token`. */
export async function signRequest(
  request: RequestToSign,
  options: SignOptions,
): Promise<Record<string, string>> {
  const [{ SignatureV4 }, { Sha256 }] = await Promise.all([
    import('@smithy/signature-v4'),
    import('@aws-crypto/sha256-js'),
  ]);
  const signer = new SignatureV4({
    service: options.service ?? 'execute-api',
    region: options.region,
    credentials: options.credentials ?? (await defaultCredentials()),
    sha256: Sha256,
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
