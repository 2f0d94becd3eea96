/**
 * Idempotency-Key on the write routes (docs/architecture.md, "Idempotent writes"): a request that
 * carries the header runs once per route, caller and key; a retry with the same body answers the
 * first response, a different body is 422 IDEMPOTENCY_KEY_REUSED and runs nothing. Powertools'
 * utility does the work; it is imported by the first request with a key, never at handler import.
 * Without the header, or with no idempotency table configured, a request runs as before.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { MiddlewareObj, Request } from '@middy/core';
import { ENV } from '../../../src/core/contracts.ts';
import {
  BadRequestError,
  IdempotencyKeyInUseError,
  IdempotencyKeyReusedError,
} from '../../../src/core/errors.ts';
import type { ApiEvent, ApiResult } from '../http.ts';
import { retryOnce } from '../retry-once.ts';

type ApiRequest = Request<ApiEvent, ApiResult>;

/** The header, as API Gateway hands it over (lowercased). */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
const MAX_KEY_LENGTH = 255;
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/**
 * Per request: the Powertools middleware checking its key, and whether the check refused it (then
 * its onError must not delete the first request's record).
 */
const checks = new WeakMap<ApiRequest, { readonly powertools: MiddlewareObj; refused: boolean }>();

/** Where the records live when not where the Lambda environment says (local mode, tests). */
export interface IdempotencyStore {
  readonly tableName: string;
  readonly client?: DynamoDBClient;
}

let configured: IdempotencyStore | undefined;

/**
 * Points every handler of this process at `store` (local mode gives its embedded DynamoDB, whose
 * resource names stay out of process.env); `undefined` returns to PROMPTOPS_IDEMPOTENCY_TABLE_NAME.
 */
export function useIdempotencyStore(store: IdempotencyStore | undefined): void {
  configured = store;
  middlewares.clear();
}

function currentStore(): IdempotencyStore | undefined {
  if (configured) return configured;
  const tableName = process.env[ENV.idempotencyTable];
  return tableName ? { tableName } : undefined;
}

type Create = (tableName: string, client?: DynamoDBClient) => MiddlewareObj;
let loaded: Promise<Create> | undefined;
const middlewares = new Map<string, MiddlewareObj>();

async function powertoolsFor(store: IdempotencyStore): Promise<MiddlewareObj> {
  loaded ??= import('../idempotency-store.ts').then((module) => module.idempotencyMiddleware);
  const create = await loaded;
  let middleware = middlewares.get(store.tableName);
  if (!middleware) {
    middleware = create(store.tableName, store.client);
    middlewares.set(store.tableName, middleware);
  }
  return middleware;
}

function keyOf(event: ApiEvent): string | undefined {
  const method = event.requestContext?.http?.method ?? event.routeKey?.split(' ')[0] ?? 'GET';
  if (READ_METHODS.has(method.toUpperCase())) return undefined;
  const key = event.headers?.[IDEMPOTENCY_HEADER];
  if (key === undefined) return undefined;
  if (key.trim() === '' || key.length > MAX_KEY_LENGTH)
    throw new BadRequestError(`Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} characters`);
  return key;
}

export function idempotentWrites(): MiddlewareObj<ApiEvent, ApiResult> {
  const before = async (request: ApiRequest) => {
    const store = currentStore();
    if (store === undefined || keyOf(request.event) === undefined) return undefined;
    const powertools = await powertoolsFor(store);
    const check = { powertools, refused: false };
    checks.set(request, check);
    try {
      // A replay returns the first response, which middy answers without running the route.
      return await powertools.before?.(request as Request);
    } catch (error) {
      check.refused = true;
      const name = (error as Error).name;
      if (name === 'IdempotencyValidationError')
        throw new IdempotencyKeyReusedError(
          'This Idempotency-Key was already used with a different request body: send a new key',
          { cause: error },
        );
      if (name === 'IdempotencyAlreadyInProgressError')
        throw new IdempotencyKeyInUseError(
          'A request with this Idempotency-Key is still running: retry shortly',
          {
            cause: error,
          },
        );
      // The record's save failed, perhaps after the store applied it: release it (best effort, it
      // expires anyway), or the retry this 500 invites would be 409 until the record expired.
      await Promise.resolve(powertools.onError?.(request as Request)).catch(() => undefined);
      throw error;
    }
  };

  const after = async (request: ApiRequest) => {
    const check = checks.get(request);
    if (!check) return;
    // The route's writes are done: saving its response is tried once more on a store error (the
    // save is an update of this request's own record), so a completed write is answered as such.
    await retryOnce(async () => check.powertools.after?.(request as Request));
  };

  const onError = async (request: ApiRequest) => {
    const check = checks.get(request);
    if (!check || check.refused) return;
    // The route failed: its record goes, so a retry with the key runs it again.
    await check.powertools.onError?.(request as Request);
  };

  return { before, after, onError };
}
