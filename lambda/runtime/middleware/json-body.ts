/**
 * Reads a JSON request body: size first (413 before any parsing), then content type (415), then
 * JSON syntax (400). The parsed value lands on `event.jsonBody`.
 */
import type { MiddlewareObj, Request } from '@middy/core';
import { LIMITS } from '../../../src/core/contracts.ts';
import {
  BadRequestError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from '../../../src/core/errors.ts';
import type { ApiResult, JsonApiEvent } from '../http.ts';

export interface JsonBodyOptions {
  /** @default LIMITS.maxRequestBytes */
  readonly maxBytes?: number;
  /** Whether a missing or empty body is an error; otherwise it reads as `{}`. @default true */
  readonly required?: boolean;
}

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

const DEFAULTS: Required<JsonBodyOptions> = { maxBytes: LIMITS.maxRequestBytes, required: true };

export function jsonBody(options: JsonBodyOptions = {}): MiddlewareObj<JsonApiEvent, ApiResult> {
  const { maxBytes, required } = { ...DEFAULTS, ...options };

  const jsonBodyMiddlewareBefore = (request: Request<JsonApiEvent, ApiResult>): void => {
    const { event } = request;
    const raw = event.body ?? '';
    const bytes = event.isBase64Encoded
      ? Buffer.from(raw, 'base64').byteLength
      : Buffer.byteLength(raw, 'utf8');
    if (bytes > maxBytes) {
      throw new PayloadTooLargeError(`The request body is ${bytes} bytes; the limit is ${maxBytes} bytes`);
    }
    if (bytes === 0) {
      if (required) throw new BadRequestError('The request body is empty: send a JSON object');
      event.jsonBody = {};
      return;
    }
    const contentType = event.headers?.['content-type'] ?? '';
    if (!JSON_MEDIA_TYPE.test(contentType)) {
      throw new UnsupportedMediaTypeError(
        `Content type ${contentType === '' ? '(none)' : JSON.stringify(contentType)} is not supported: send application/json`,
      );
    }
    const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    try {
      event.jsonBody = JSON.parse(text);
    } catch (cause) {
      throw new BadRequestError(`The request body is not valid JSON: ${(cause as Error).message}`, {
        cause,
      });
    }
  };

  return { before: jsonBodyMiddlewareBefore };
}
