/** Run ids: `<yyyymmddThhmmssSSSZ>-<8 hex>`, so a version's runs sort by start time. */
import { randomBytes } from 'node:crypto';

const RUN_ID = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/;

export function newRunId(at: Date, suffix: string = randomBytes(4).toString('hex')): string {
  return `${at.toISOString().replace(/[-:.]/g, '')}-${suffix}`;
}

export function isRunId(value: unknown): value is string {
  return typeof value === 'string' && RUN_ID.test(value);
}
