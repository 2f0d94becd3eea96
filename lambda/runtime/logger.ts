import { Logger } from '@aws-lambda-powertools/logger';

/** One structured JSON logger per handler module; never log prompt bodies, secrets or user identifiers at info. */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName: `promptops-${serviceName}` });
}
