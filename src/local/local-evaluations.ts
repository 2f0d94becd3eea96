/**
 * Local mode's stand-in for the asynchronous Lambda invoke of the evaluation worker: the same worker
 * handler, called in this process after the request has been answered. Running evaluations are
 * tracked so that closing local mode stops them (each ends in ERROR) and waits for them to record it.
 */
import type { Context } from 'aws-lambda';
import type { EvaluationJob } from '../../lambda/evaluation/model.ts';
import type { EvaluationLauncher } from '../../lambda/evaluation/ports.ts';

/** The worker handler's shape: an async invoke's event and the Lambda context. */
export type LocalWorker = (event: EvaluationJob, context: Context) => Promise<unknown>;

/** The Lambda timeout the worker sees locally: the same 15 minutes as its function on AWS. */
const WORKER_TIMEOUT_MS = 15 * 60 * 1000;

export class LocalEvaluationLauncher implements EvaluationLauncher {
  /** Aborted on close: the worker handler stops its runs on it. */
  readonly controller = new AbortController();
  private readonly running = new Set<Promise<void>>();
  private worker: LocalWorker | undefined;
  private readonly onError: (error: unknown, job: EvaluationJob) => void;
  private count = 0;

  constructor(options: { onError: (error: unknown, job: EvaluationJob) => void }) {
    this.onError = options.onError;
  }

  /** Set once the worker handler is built (it needs this launcher's signal). */
  setWorker(worker: LocalWorker): void {
    this.worker = worker;
  }

  /** Evaluations started and not yet recorded. */
  get size(): number {
    return this.running.size;
  }

  async launch(job: EvaluationJob): Promise<void> {
    const worker = this.worker;
    if (!worker) throw new Error('the local evaluation worker is not ready');
    if (this.controller.signal.aborted) throw new Error('local mode is closing');
    const context = workerContext(++this.count);
    const run = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => worker(job, context))
      .then(
        () => undefined,
        (error: unknown) => this.onError(error, job),
      );
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  /** Waits for every running evaluation; with `abort`, stops them first (they end in ERROR). */
  async close(options: { abort?: boolean } = {}): Promise<void> {
    if (options.abort !== false) this.controller.abort(new Error('local mode is closing'));
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}

function workerContext(count: number): Context {
  const deadline = Date.now() + WORKER_TIMEOUT_MS;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'promptops-local-evaluation-worker',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:promptops-local-evaluation-worker',
    memoryLimitInMB: '1024',
    awsRequestId: `local-evaluation-${Date.now().toString(36)}-${count}`,
    logGroupName: 'local',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
