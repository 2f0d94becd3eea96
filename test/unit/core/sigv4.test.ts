/** The shared SigV4 signer: node:crypto's SHA-256 in the Smithy signer's shape, and a signature AWS documents. */
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NodeSha256, signRequest } from '../../../src/core/sigv4.ts';
import { expectedSignature } from '../cli/sigv4-verifier.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('Class: NodeSha256', () => {
  it('hashes strings, byte views and array buffers as node:crypto does, and starts over on reset', async () => {
    const hash = new NodeSha256();
    hash.update('ab');
    hash.update(new TextEncoder().encode('cd'));
    hash.update(new Uint8Array([0x65]).buffer);
    expect(hex(await hash.digest())).toBe(createHash('sha256').update('abcde').digest('hex'));
    hash.reset();
    hash.update('x');
    expect(hex(await hash.digest())).toBe(createHash('sha256').update('x').digest('hex'));
  });

  it('is an HMAC when given a secret, as a string or as bytes', async () => {
    const expected = createHmac('sha256', 'key').update('data').digest('hex');
    for (const secret of ['key', new TextEncoder().encode('key')]) {
      const hmac = new NodeSha256(secret);
      hmac.update('data');
      expect(hex(await hmac.digest())).toBe(expected);
    }
  });
});

describe('Function: signRequest', () => {
  it('signs as an independent SigV4 implementation does, with the session token, and leaves Host to fetch', async () => {
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session' };
    const url = new URL('https://api.example.com:8443/v1/feedback?b=2&a=1&a=0');
    const body = '{"rating":1}';
    const headers = await signRequest(
      { method: 'POST', url, headers: { 'content-type': 'application/json' }, body },
      {
        region: 'eu-west-1',
        service: 'execute-api',
        credentials,
        signingDate: new Date('2026-11-22T10:00:00Z'),
      },
    );
    expect(headers.host).toBeUndefined();
    expect(headers['x-amz-date']).toBe('20261122T100000Z');
    expect(headers['x-amz-security-token']).toBe('session');
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(headers.authorization ?? '')?.[1]?.split(';') ?? [];
    expect(signedHeaders).toContain('host');
    const signature = expectedSignature({
      method: 'POST',
      path: url.pathname,
      query: url.searchParams,
      headers: {
        ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
        host: url.host,
      },
      signedHeaders,
      body,
      amzDate: '20261122T100000Z',
      region: 'eu-west-1',
      service: 'execute-api',
      secretAccessKey: 'secret',
    });
    expect(headers.authorization).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/eu-west-1/execute-api/aws4_request, SignedHeaders=.+, Signature=${signature}$`,
      ),
    );
  });
});
