import { displayValue, ValidationError } from './errors.ts';

const PROMPT_ID = /^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$/;
const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export const PROMPT_ID_RULE = '2 to 64 characters of a-z, 0-9 and -, not starting or ending with -';
export const ENVIRONMENT_NAME_RULE = '2 to 32 characters of a-z, 0-9 and -, starting with a letter';
export const VARIABLE_NAME_RULE =
  'a letter or _ followed by up to 63 letters, digits or _, and not a name such as __proto__ or constructor';

export function isPromptId(value: unknown): value is string {
  return typeof value === 'string' && PROMPT_ID.test(value);
}

export function isEnvironmentName(value: unknown): value is string {
  return typeof value === 'string' && ENVIRONMENT_NAME.test(value);
}

/** Variable names also must not shadow Object.prototype members (`__proto__`, `constructor`...). */
export function isVariableName(value: unknown): value is string {
  return typeof value === 'string' && VARIABLE_NAME.test(value) && !(value in Object.prototype);
}

/** The message for an invalid prompt id, naming the offending value; undefined when valid. */
export function promptIdProblem(value: unknown): string | undefined {
  if (isPromptId(value)) return undefined;
  return `${displayValue(value)} is not a valid prompt id: use ${PROMPT_ID_RULE}`;
}

export function assertPromptId(value: unknown, path = 'id'): string {
  const problem = promptIdProblem(value);
  if (problem) throw new ValidationError(problem, [{ path, message: problem }]);
  return value as string;
}

export function assertEnvironmentName(value: unknown, path = 'environment'): string {
  if (isEnvironmentName(value)) return value;
  const message = `${displayValue(value)} is not a valid environment name: use ${ENVIRONMENT_NAME_RULE}`;
  throw new ValidationError(message, [{ path, message }]);
}
