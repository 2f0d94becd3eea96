import { displayValue, ValidationError } from '../../src/core/errors.ts';

/** Why `environment` is not accepted, or undefined when it is one of the configured environments. */
export function environmentProblem(environment: string, environments: readonly string[]): string | undefined {
  if (environments.includes(environment)) return undefined;
  return `${displayValue(environment)} is not a configured environment: use one of ${environments.join(', ')}`;
}

/** 400 VALIDATION_FAILED unless `environment` is one of the deployment's configured environments. */
export function assertConfiguredEnvironment(environment: string, environments: readonly string[]): void {
  const message = environmentProblem(environment, environments);
  if (message) throw new ValidationError(message, [{ path: 'environment', message }]);
}
