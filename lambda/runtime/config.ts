/** Settings a handler reads from its environment variables (names in core contracts). */
import { DEFAULT_ENVIRONMENTS, ENV } from '../../src/core/contracts.ts';

/** A missing setting is a deployment mistake: fail loudly (500, logged) naming the variable. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`Environment variable ${name} is not set`);
  return value;
}

export function configuredEnvironments(): string[] {
  const raw = process.env[ENV.environments];
  if (raw === undefined || raw.trim() === '') return [...DEFAULT_ENVIRONMENTS];
  return raw
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
}
