/** Starts the evaluation worker with an asynchronous Lambda invoke: the API answers 202 at once. */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { EvaluationJob } from '../evaluation/model.ts';
import type { EvaluationLauncher } from '../evaluation/ports.ts';

export class LambdaEvaluationLauncher implements EvaluationLauncher {
  private readonly client: LambdaClient;
  private readonly functionName: string;

  constructor(client: LambdaClient, functionName: string) {
    this.client = client;
    this.functionName = functionName;
  }

  async launch(job: EvaluationJob): Promise<void> {
    const { StatusCode } = await this.client.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify(job)),
      }),
    );
    // Lambda queues an Event invoke with 202; anything else means it will not run.
    if (StatusCode !== undefined && StatusCode !== 202)
      throw new Error(`Lambda answered the invoke of ${this.functionName} with status ${StatusCode}`);
  }
}
