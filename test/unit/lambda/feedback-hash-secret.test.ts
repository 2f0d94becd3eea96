/** The feedback hash key: given directly, or fetched (and cached) from Secrets Manager through Powertools. */
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { HASH_SECRET_MAX_AGE_SECONDS, resolveHashSecret } from '../../../lambda/feedback/deps.ts';
import { ENV } from '../../../src/core/contracts.ts';
import { HandlerEnvironmentError, readHandlerEnvironment } from '../../../src/core/handler-environment.ts';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:promptops-hash-AbCdEf';
const SECRET = 'secret-from-secrets-manager-0123456789';
const secrets = mockClient(SecretsManagerClient);

const onAws = readHandlerEnvironment({ [ENV.feedbackHashSecretArn]: ARN });

afterAll(() => secrets.restore());

beforeEach(() => {
  secrets.reset();
  clearCaches();
});

describe('Function: resolveHashSecret', () => {
  it('uses a secret given directly and calls no AWS service', async () => {
    const local = readHandlerEnvironment({
      [ENV.feedbackHashSecret]: 'direct-secret-0123456789',
      [ENV.feedbackHashSecretArn]: ARN,
    });
    await expect(resolveHashSecret(local)).resolves.toBe('direct-secret-0123456789');
    expect(secrets.calls()).toHaveLength(0);
  });

  it('fetches the secret named by the ARN variable, then serves it from the cache', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: SECRET });
    await expect(resolveHashSecret(onAws)).resolves.toBe(SECRET);
    await expect(resolveHashSecret(onAws)).resolves.toBe(SECRET);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: ARN });
    // Only GetSecretValue: the function's grant (secret.grantRead) covers it.
    expect(secrets.calls()).toHaveLength(1);
  });

  it('fetches again once the cached value is older than its maximum age', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: SECRET });
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const start = Date.parse('2026-11-05T14:30:00.000Z');
      vi.setSystemTime(start);
      await resolveHashSecret(onAws);
      vi.setSystemTime(start + (HASH_SECRET_MAX_AGE_SECONDS - 1) * 1000);
      await resolveHashSecret(onAws);
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
      vi.setSystemTime(start + (HASH_SECRET_MAX_AGE_SECONDS + 1) * 1000);
      await resolveHashSecret(onAws);
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it.each([
    ['a binary secret', { SecretBinary: new Uint8Array([1, 2, 3]) }],
    ['no value', {}],
  ])('fails for %s with a message naming the ARN variable', async (_label, output) => {
    secrets.on(GetSecretValueCommand).resolves(output);
    const failure = resolveHashSecret(onAws);
    await expect(failure).rejects.toBeInstanceOf(HandlerEnvironmentError);
    await expect(failure).rejects.toThrow(
      `Secret ${ARN} (${ENV.feedbackHashSecretArn}) holds no string value`,
    );
  });

  it('fails naming both variables when neither is set', async () => {
    await expect(resolveHashSecret(readHandlerEnvironment({}))).rejects.toThrow(
      `Environment variable ${ENV.feedbackHashSecret} or ${ENV.feedbackHashSecretArn} must be set`,
    );
    expect(secrets.calls()).toHaveLength(0);
  });

  it('passes a Secrets Manager failure on, so the request is a logged 500', async () => {
    secrets.on(GetSecretValueCommand).rejects(new Error('AccessDeniedException: not allowed'));
    await expect(resolveHashSecret(onAws)).rejects.toThrow(/not allowed/);
  });
});
