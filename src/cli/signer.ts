/**
 * SigV4 for the CLI's requests to API Gateway (IAM authorization, service `execute-api`): the core's
 * signer with the default AWS credential chain, loaded on first use, so commands that never reach
 * AWS never pay for it.
 */
import {
  type AwsCredentials,
  type CredentialsProvider,
  type RequestToSign,
  signRequest as sign,
} from '../core/sigv4.ts';
import { CliError } from './errors.ts';

export type { AwsCredentials, CredentialsProvider, RequestToSign };

export interface SignOptions {
  readonly region: string;
  /** @default 'execute-api' */
  readonly service?: string;
  /** @default the default AWS credential chain */
  readonly credentials?: AwsCredentials | CredentialsProvider;
  /** @default now */
  readonly signingDate?: Date;
}

let defaultChain: CredentialsProvider | undefined;

/** The default credential chain, with the failure explained as the CLI explains errors. */
export async function defaultCredentials(): Promise<CredentialsProvider> {
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
  return sign(request, {
    region: options.region,
    service: options.service ?? 'execute-api',
    credentials: options.credentials ?? (await defaultCredentials()),
    ...(options.signingDate ? { signingDate: options.signingDate } : {}),
  });
}
