import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { LambdaEvaluationLauncher } from '../../../lambda/adapters/evaluation-launcher.ts';
import { isRunId, newRunId } from '../../../lambda/evaluation/run-ids.ts';
import { readHandlerEnvironment, requiredResource } from '../../../src/core/handler-environment.ts';

const lambda = mockClient(LambdaClient);
afterAll(() => lambda.restore());
beforeEach(() => lambda.reset());

describe('LambdaEvaluationLauncher', () => {
  const job = { promptId: 'p', version: '1.0.0', runId: '20261201T100000000Z-00000001' };

  it('invokes the worker asynchronously (InvocationType Event) with the job', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    await new LambdaEvaluationLauncher(new LambdaClient({}), 'worker-fn').launch(job);
    const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ FunctionName: 'worker-fn', InvocationType: 'Event' });
    expect(JSON.parse(new TextDecoder().decode(input?.Payload as Uint8Array))).toEqual(job);
  });

  it('fails when Lambda does not queue the invoke', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 500 });
    await expect(new LambdaEvaluationLauncher(new LambdaClient({}), 'fn').launch(job)).rejects.toThrow(/500/);
  });
});

describe('evaluation settings read from the environment', () => {
  const evalModelsFrom = (env: Record<string, string>) => readHandlerEnvironment(env).settings.evalModels;
  const evaluationFunctionFrom = (env: Record<string, string>) =>
    requiredResource(readHandlerEnvironment(env), 'evaluationFunction');

  it('reads the allowed Bedrock models, trimmed and without repeats', () => {
    expect(evalModelsFrom({})).toEqual([]);
    expect(evalModelsFrom({ PROMPTOPS_EVAL_MODELS: ' a , b,,a ' })).toEqual(['a', 'b']);
  });

  it('names the worker function variable when it is unset', () => {
    expect(evaluationFunctionFrom({ PROMPTOPS_EVALUATION_FUNCTION: 'fn' })).toBe('fn');
    expect(() => evaluationFunctionFrom({})).toThrow(/PROMPTOPS_EVALUATION_FUNCTION/);
  });
});

describe('run ids', () => {
  it('start with the start time, so they sort by it', () => {
    const a = newRunId(new Date('2026-12-01T10:15:00.123Z'), '0a0b0c0d');
    expect(a).toBe('20261201T101500123Z-0a0b0c0d');
    expect(isRunId(a)).toBe(true);
    expect(isRunId(newRunId(new Date()))).toBe(true);
    expect(newRunId(new Date('2026-12-02T00:00:00.000Z')) > a).toBe(true);
    expect(isRunId('../etc')).toBe(false);
  });
});
