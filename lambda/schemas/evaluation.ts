/** Request bodies of the evaluation routes. The suite text itself is checked by core `parseEvalSuite`. */
import * as v from 'valibot';
import type { PutEvalSuiteRequest, StartEvaluationRequest } from '../../src/core/api.ts';
import { EVAL_LIMITS } from '../../src/core/eval/limits.ts';
import { PROVIDER_TYPES } from '../../src/core/eval/suite.ts';
import { wireSchema } from './wire-schema.ts';

export const putSuiteBody = wireSchema<PutEvalSuiteRequest>()(
  v.strictObject(
    {
      suite: v.pipe(
        v.string('must be the suite YAML as a string'),
        v.minLength(1, 'must not be empty'),
        v.maxLength(EVAL_LIMITS.maxSuiteBytes, `must be at most ${EVAL_LIMITS.maxSuiteBytes} characters`),
      ),
    },
    'must be a JSON object with suite (the YAML text of <id>.eval.yaml)',
  ),
);

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === ''
    );
  } catch {
    return false;
  }
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const providerOverride = v.pipe(
  v.strictObject(
    {
      type: v.picklist(PROVIDER_TYPES, `must be one of ${PROVIDER_TYPES.join(', ')}`),
      model: v.optional(
        v.pipe(v.string('must be a string'), v.minLength(1, 'must not be empty'), v.maxLength(256)),
      ),
      baseUrl: v.optional(
        v.pipe(
          v.string('must be a string'),
          v.maxLength(2048),
          v.check(isHttpUrl, 'must be an http:// or https:// URL without a user or password'),
        ),
      ),
      apiKeyEnv: v.optional(
        v.pipe(
          v.string('must be a string'),
          v.regex(ENV_NAME, 'must name an environment variable'),
          // The service's own credentials: a run may never send them anywhere.
          v.check((name) => !/^(AWS_|PROMPTOPS_)/i.test(name), 'may not name an AWS_ or PROMPTOPS_ variable'),
        ),
      ),
    },
    'must be an object with type and optional model, baseUrl, apiKeyEnv',
  ),
  v.forward(
    v.check(
      (p) => p.type === 'openai' || (p.baseUrl === undefined && p.apiKeyEnv === undefined),
      'baseUrl and apiKeyEnv apply to the openai provider only',
    ),
    ['baseUrl'],
  ),
);

export const startEvaluationBody = wireSchema<StartEvaluationRequest>()(
  v.strictObject({ provider: v.optional(providerOverride) }, 'must be a JSON object with optional provider'),
);
