import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { FaultSpecError, injectFaultSpecs, parseFaultSpec } from '../../../src/local/faults.ts';

describe('Function: parseFaultSpec', () => {
  it('reads every part of an entry, and a comma list of entries', () => {
    expect(parseFaultSpec('fail-after-commit:dynamodb:UpdateItem:3,delay:s3:PutObject::500')).toEqual([
      {
        mode: 'fail-after-commit',
        service: 'dynamodb',
        command: 'UpdateItemCommand',
        times: 3,
        delayMs: 100,
        text: 'fail-after-commit:dynamodb:UpdateItem:3',
      },
      {
        mode: 'delay',
        service: 's3',
        command: 'PutObjectCommand',
        times: Number.POSITIVE_INFINITY,
        delayMs: 500,
        text: 'delay:s3:PutObject::500',
      },
    ]);
  });

  it('hits every call when times is left out, and takes the SDK name with its Command suffix', () => {
    const [spec] = parseFaultSpec(' fail-before:appconfig:StartDeploymentCommand ');
    expect(spec).toMatchObject({
      mode: 'fail-before',
      service: 'appconfig',
      command: 'StartDeploymentCommand',
      times: Number.POSITIVE_INFINITY,
    });
  });

  it('is no fault at all when the spec is empty', () => {
    expect(parseFaultSpec('')).toEqual([]);
    expect(parseFaultSpec('   ')).toEqual([]);
  });

  const BAD: readonly { spec: string; message: RegExp }[] = [
    { spec: 'fail-before:dynamodb:PutItem,', message: /entry 2 \(""\): the entry is empty/ },
    { spec: ',fail-before:dynamodb:PutItem', message: /entry 1 \(""\): the entry is empty/ },
    { spec: 'fail-before:dynamodb', message: /entry 1 .*needs at least a mode, a service and a command/ },
    { spec: 'fail-before', message: /needs at least a mode, a service and a command/ },
    { spec: 'delay:s3:PutObject:1:5:9', message: /it has 6 parts, at most 5/ },
    {
      spec: 'fail-after:dynamodb:PutItem',
      message: /unknown mode "fail-after": use fail-before, fail-after-commit, delay/,
    },
    { spec: 'fail-before:sqs:SendMessage', message: /unknown service "sqs": use dynamodb, s3, appconfig/ },
    { spec: 'fail-before:dynamodb:PutItm', message: /dynamodb has no command "PutItm"/ },
    { spec: 'fail-before:s3:PutItem', message: /s3 has no command "PutItem".*such as PutObject/ },
    { spec: 'fail-before:dynamodb:', message: /dynamodb has no command ""/ },
    { spec: 'fail-before:dynamodb:PutItem:0', message: /times "0" is not a whole number of at least 1/ },
    { spec: 'fail-before:dynamodb:PutItem:-2', message: /times "-2" is not a whole number/ },
    { spec: 'fail-before:dynamodb:PutItem:1.5', message: /times "1.5" is not a whole number/ },
    { spec: 'fail-before:dynamodb:PutItem:many', message: /times "many" is not a whole number/ },
    { spec: 'fail-before:dynamodb:PutItem:1:500', message: /delayMs "500" is for the delay mode only/ },
    { spec: 'delay:s3:PutObject::fast', message: /delayMs "fast" is not a whole number of milliseconds/ },
    { spec: 'delay:s3:PutObject::-1', message: /delayMs "-1" is not a whole number of milliseconds/ },
    { spec: 'delay:s3:PutObject::600001', message: /delayMs "600001" .*from 0 to 600000/ },
  ];
  for (const { spec, message } of BAD) {
    it(`refuses ${JSON.stringify(spec)}, naming the bad part`, () => {
      expect(() => parseFaultSpec(spec)).toThrow(FaultSpecError);
      expect(() => parseFaultSpec(spec)).toThrow(message);
      expect(() => parseFaultSpec(spec)).toThrow(/PROMPTOPS_FAULTS entry/);
    });
  }

  it('names the first bad entry of a list, after good ones', () => {
    expect(() => parseFaultSpec('delay:s3:PutObject,fail-before:dynamodb:Nope')).toThrow(
      /entry 2 \("fail-before:dynamodb:Nope"\): dynamodb has no command "Nope"/,
    );
  });
});

describe('Function: injectFaultSpecs', () => {
  /** A client whose calls never leave the process: the last step answers, counting what reached it. */
  function clientReachingNothing() {
    const client = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const reached: string[] = [];
    client.middlewareStack.add(
      (_next, context) => async () => {
        reached.push(context.commandName ?? '');
        return { output: { $metadata: {} }, response: {} } as never;
      },
      { step: 'finalizeRequest', name: 'answer-locally' },
    );
    return { client, reached };
  }

  it('fails the first `times` matching calls, after the store saw them for fail-after-commit, and tells each hit', async () => {
    const { client, reached } = clientReachingNothing();
    const hits: string[] = [];
    const specs = parseFaultSpec('fail-after-commit:dynamodb:PutItem:2');
    injectFaultSpecs(specs, { dynamodb: client, s3: client, appconfig: client }, (spec, hit) =>
      hits.push(`${spec.command} ${hit}`),
    );
    const put = () => client.send(new PutItemCommand({ TableName: 't', Item: {} }));
    await expect(put()).rejects.toThrow('The operation was aborted');
    await expect(client.send(new GetItemCommand({ TableName: 't', Key: {} }))).resolves.toBeDefined();
    await expect(put()).rejects.toMatchObject({ name: 'TimeoutError' });
    await expect(put()).resolves.toBeDefined();
    expect(reached).toEqual(['PutItemCommand', 'GetItemCommand', 'PutItemCommand', 'PutItemCommand']);
    expect(hits).toEqual(['PutItemCommand 1', 'PutItemCommand 2']);
  });

  it('fail-before keeps the call from the store', async () => {
    const { client, reached } = clientReachingNothing();
    injectFaultSpecs(
      parseFaultSpec('fail-before:dynamodb:PutItem'),
      { dynamodb: client, s3: client, appconfig: client },
      () => undefined,
    );
    for (let i = 0; i < 3; i++)
      await expect(client.send(new PutItemCommand({ TableName: 't', Item: {} }))).rejects.toThrow();
    expect(reached).toEqual([]);
  });
});
