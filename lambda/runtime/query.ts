/** Query string parameters shared by the list routes. */
import { LIMITS } from '../../src/core/contracts.ts';
import { BadRequestError, displayValue } from '../../src/core/errors.ts';
import type { PageRequest } from '../ports.ts';
import { type ApiEvent, queryParameter } from './http.ts';

export function pageRequest(event: ApiEvent): PageRequest {
  const rawLimit = queryParameter(event, 'limit');
  let limit: number = LIMITS.defaultPageSize;
  if (rawLimit !== undefined) {
    if (!/^\d{1,3}$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > LIMITS.maxPageSize) {
      const message = `limit ${displayValue(rawLimit)} must be a whole number from 1 to ${LIMITS.maxPageSize}`;
      throw new BadRequestError(message, { errors: [{ path: 'limit', message }] });
    }
    limit = Number(rawLimit);
  }
  const cursor = queryParameter(event, 'cursor');
  return cursor === undefined ? { limit } : { limit, cursor };
}

export function requiredQueryParameter(event: ApiEvent, name: string): string {
  const value = queryParameter(event, name);
  if (value === undefined || value === '') throw new BadRequestError(`Query parameter ${name} is required`);
  return value;
}
