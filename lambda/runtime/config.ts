/**
 * The handler environment (src/core/handler-environment.ts), read from `process.env` once per Lambda
 * container: the settings cannot change under a running container, so every request sees one reading.
 */
import { type HandlerEnvironment, readHandlerEnvironment } from '../../src/core/handler-environment.ts';

let environment: HandlerEnvironment | undefined;

/** The container's handler environment; a malformed variable fails every request, naming it. */
export function handlerEnvironment(): HandlerEnvironment {
  environment ??= readHandlerEnvironment(process.env);
  return environment;
}

/** The configured environments, in promotion order. */
export function configuredEnvironments(): string[] {
  return [...handlerEnvironment().settings.environments];
}
