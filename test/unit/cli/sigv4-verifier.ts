/** An independent SigV4 implementation (node:crypto only), to check the CLI's signatures in tests. */
import { createHash, createHmac } from 'node:crypto';

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
const encode = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export interface SignedRequestParts {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly signedHeaders: readonly string[];
  readonly body: string;
  /** `YYYYMMDDTHHMMSSZ` */
  readonly amzDate: string;
  readonly region: string;
  readonly service: string;
  readonly secretAccessKey: string;
}

export function expectedSignature(parts: SignedRequestParts): string {
  const query = [...parts.query]
    .map(([k, v]) => [encode(k), encode(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headers = parts.signedHeaders
    .map((h) => `${h}:${(parts.headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalRequest = [
    parts.method,
    parts.path
      .split('/')
      .map((s) => encode(decodeURIComponent(s)))
      .join('/'),
    query,
    headers,
    parts.signedHeaders.join(';'),
    sha256(parts.body),
  ].join('\n');
  const day = parts.amzDate.slice(0, 8);
  const scope = `${day}/${parts.region}/${parts.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', parts.amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(
    hmac(hmac(hmac(`AWS4${parts.secretAccessKey}`, day), parts.region), parts.service),
    'aws4_request',
  );
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

/** Checks the Authorization header of a received request; returns what is wrong, or undefined. */
export function verifyRequest(
  request: {
    method: string;
    url: string;
    headers: Record<string, string | string[] | undefined>;
    body: string;
  },
  options: { region: string; service: string; accessKeyId: string; secretAccessKey: string },
): string | undefined {
  const auth = String(request.headers.authorization ?? '');
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!match) return `malformed authorization header: ${auth}`;
  const [, keyId, , region, service, signed, signature] = match;
  if (keyId !== options.accessKeyId) return `signed by ${keyId}`;
  if (region !== options.region || service !== options.service) return `scope ${region}/${service}`;
  const url = new URL(request.url, 'http://placeholder');
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]),
  );
  const expected = expectedSignature({
    method: request.method,
    path: url.pathname,
    query: url.searchParams,
    headers,
    signedHeaders: (signed as string).split(';'),
    body: request.body,
    amzDate: headers['x-amz-date'] ?? '',
    region: options.region,
    service: options.service,
    secretAccessKey: options.secretAccessKey,
  });
  return expected === signature ? undefined : 'signature mismatch';
}
