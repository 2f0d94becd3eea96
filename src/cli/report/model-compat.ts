/**
 * `promptops report model-compat <id>@<version> --model <candidate>`: the prompt's suite run on the
 * service twice, on its current model and on the candidate (same provider type), side by side: pass
 * rate, each test's verdicts, latency and cost, and whether the candidate may replace the current
 * model. It may when its run passes the suite's threshold and no test that passes on the current
 * model fails on it.
 */
import type {
  EvalProviderOverride,
  EvalSuiteResponse,
  EvaluationRun,
  EvaluationStarted,
  VersionDetails,
} from '../../core/api.ts';
import { parsePromptDocument } from '../../core/document.ts';
import { resolveProviderSpec } from '../../core/eval/provider.ts';
import { parseEvalSuite } from '../../core/eval/suite.ts';
import { segment } from '../api-client.ts';
import { CliError } from '../errors.ts';
import { chart, format, list, paragraph, type ReportDocument, table } from './document.ts';
import type { ReportApi } from './report-api.ts';

export interface ModelRun {
  readonly model: string;
  readonly runId: string;
  readonly state: EvaluationRun['state'];
  readonly passRate: number | null;
  readonly threshold: number;
  readonly meanLatencyMs: number | null;
  readonly totalCostUsd: number | null;
  readonly reason?: string;
}

export interface TestComparison {
  readonly description: string;
  readonly current: boolean | null;
  readonly candidate: boolean | null;
  readonly currentLatencyMs?: number;
  readonly candidateLatencyMs?: number;
  /** The assertions the candidate fails, with their reasons. */
  readonly candidateFailures: readonly string[];
}

export interface ModelCompatReport {
  readonly kind: 'model-compat';
  readonly promptId: string;
  readonly version: string;
  readonly provider: string;
  readonly generatedAt: string;
  readonly current: ModelRun;
  readonly candidate: ModelRun;
  readonly tests: readonly TestComparison[];
  /** Tests that pass on the current model and fail on the candidate. */
  readonly regressions: readonly string[];
  readonly compatible: boolean;
  readonly verdict: string;
}

export interface ModelCompatInputs {
  readonly promptId: string;
  readonly version: string;
  readonly provider: EvalProviderOverride['type'];
  readonly current: EvaluationRun;
  readonly candidate: EvaluationRun;
  readonly currentModel: string;
  readonly candidateModel: string;
  readonly now: Date;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function runToEnd(
  api: ReportApi,
  path: string,
  body: { provider: EvalProviderOverride },
  options: { intervalMs: number; timeoutMs: number },
): Promise<EvaluationRun> {
  const { body: started } = await api.post<EvaluationStarted>(path, body);
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const run = await api.get<EvaluationRun>(`${path}/${segment(started.id)}`);
    if (run.state !== 'RUNNING') return run;
    if (Date.now() >= deadline)
      throw new CliError(`Stopped waiting for evaluation ${started.id}: it is still RUNNING`, {
        details: [`Its result, later: GET ${path}/${segment(started.id)}`],
      });
    await sleep(options.intervalMs);
  }
}

export async function collectModelCompat(
  api: ReportApi,
  ref: { promptId: string; version: string; candidateModel: string },
  options: { intervalMs: number; timeoutMs: number },
  now: () => Date,
): Promise<ModelCompatInputs> {
  const base = `/prompts/${segment(ref.promptId)}`;
  const [details, suite] = await Promise.all([
    api.get<VersionDetails>(`${base}/versions/${segment(ref.version)}`),
    api.get<EvalSuiteResponse>(`${base}/eval-suite`),
  ]);
  const parsed = parseEvalSuite(suite.suite);
  const spec = resolveProviderSpec({
    ...(parsed.provider ? { suite: parsed.provider } : {}),
    prompt: parsePromptDocument(details.document),
  });
  const currentModel = spec.model ?? spec.type;
  const provider = (model: string): EvalProviderOverride => ({
    type: spec.type,
    model,
    ...(spec.baseUrl ? { baseUrl: spec.baseUrl } : {}),
    ...(spec.apiKeyEnv ? { apiKeyEnv: spec.apiKeyEnv } : {}),
  });
  const path = `${base}/versions/${segment(ref.version)}/evaluations`;
  const [current, candidate] = await Promise.all([
    runToEnd(api, path, { provider: provider(currentModel) }, options),
    runToEnd(api, path, { provider: provider(ref.candidateModel) }, options),
  ]);
  return {
    promptId: ref.promptId,
    version: ref.version,
    provider: spec.type,
    current,
    candidate,
    currentModel,
    candidateModel: ref.candidateModel,
    now: now(),
  };
}

function modelRun(model: string, run: EvaluationRun): ModelRun {
  const latencies = run.tests.map((t) => t.latencyMs).filter((v): v is number => v !== undefined);
  const costs = run.tests.map((t) => t.costUsd).filter((v): v is number => v !== undefined);
  return {
    model,
    runId: run.id,
    state: run.state,
    passRate: run.passRate ?? null,
    threshold: run.threshold,
    meanLatencyMs: latencies.length === 0 ? null : latencies.reduce((a, b) => a + b, 0) / latencies.length,
    totalCostUsd: costs.length === 0 ? null : costs.reduce((a, b) => a + b, 0),
    ...(run.reason ? { reason: run.reason } : {}),
  };
}

export function buildModelCompat(inputs: ModelCompatInputs): ModelCompatReport {
  const current = modelRun(inputs.currentModel, inputs.current);
  const candidate = modelRun(inputs.candidateModel, inputs.candidate);
  const descriptions = [
    ...new Set([...inputs.current.tests, ...inputs.candidate.tests].map((t) => t.description)),
  ];
  const tests = descriptions.map((description): TestComparison => {
    const a = inputs.current.tests.find((t) => t.description === description);
    const b = inputs.candidate.tests.find((t) => t.description === description);
    return {
      description,
      current: a?.passed ?? null,
      candidate: b?.passed ?? null,
      ...(a?.latencyMs !== undefined ? { currentLatencyMs: a.latencyMs } : {}),
      ...(b?.latencyMs !== undefined ? { candidateLatencyMs: b.latencyMs } : {}),
      candidateFailures: b
        ? [
            ...b.assertions.filter((x) => !x.passed).map((x) => `${x.type}: ${x.reason}`),
            ...(b.error ? [b.error] : []),
          ]
        : [],
    };
  });
  const regressions = tests
    .filter((t) => t.current === true && t.candidate !== true)
    .map((t) => t.description);
  const ran = current.state !== 'ERROR' && candidate.state !== 'ERROR';
  const compatible = ran && candidate.state === 'PASSED' && regressions.length === 0;
  const verdict = !ran
    ? `Cannot tell: ${current.state === 'ERROR' ? `the run on ${current.model}` : `the run on ${candidate.model}`} could not run (${(current.state === 'ERROR' ? current.reason : candidate.reason) ?? 'no reason given'}).`
    : compatible
      ? `${candidate.model} may replace ${current.model}: it passes the suite (${format.percent(candidate.passRate)}, threshold ${format.percent(candidate.threshold)}) and every test that passes on ${current.model} passes on it.`
      : candidate.state !== 'PASSED'
        ? `${candidate.model} may not replace ${current.model}: it fails the suite (${format.percent(candidate.passRate)} against a threshold of ${format.percent(candidate.threshold)}).`
        : `${candidate.model} may not replace ${current.model}: ${regressions.length} test${regressions.length === 1 ? '' : 's'} that pass on ${current.model} fail on it (${regressions.join(', ')}).`;
  return {
    kind: 'model-compat',
    promptId: inputs.promptId,
    version: inputs.version,
    provider: inputs.provider,
    generatedAt: inputs.now.toISOString(),
    current,
    candidate,
    tests,
    regressions,
    compatible,
    verdict,
  };
}

export function modelCompatDocument(report: ModelCompatReport): ReportDocument {
  const verdictCell = (passed: boolean | null) => (passed === null ? '-' : passed ? 'pass' : '**fail**');
  const runs = [report.current, report.candidate];
  return {
    title: `Model compatibility: ${report.promptId}@${report.version}, ${report.current.model} against ${report.candidate.model}`,
    summary: [
      `**${report.compatible ? 'Compatible' : 'Not compatible'}**. ${report.verdict}`,
      `Provider ${report.provider}. Generated ${report.generatedAt}.`,
    ],
    sections: [
      {
        heading: 'Runs',
        blocks: [
          table(
            ['Model', 'Role', 'Run', 'State', 'Pass rate', 'Threshold', 'Mean latency', 'Total cost'],
            runs.map((r, i) => [
              r.model,
              i === 0 ? 'current' : 'candidate',
              r.runId,
              r.state,
              format.percent(r.passRate),
              format.percent(r.threshold),
              format.ms(r.meanLatencyMs),
              format.usd(r.totalCostUsd),
            ]),
            [4, 5, 6, 7],
          ),
          chart('Pass rate', {
            type: 'bar',
            labels: runs.map((r) => r.model),
            datasets: [
              {
                label: 'pass rate %',
                data: runs.map((r) => (r.passRate === null ? null : r.passRate * 100)),
              },
            ],
            yTitle: '%',
          }),
        ],
      },
      {
        heading: 'Tests',
        blocks: [
          table(
            [
              'Test',
              report.current.model,
              report.candidate.model,
              `Latency (${report.current.model})`,
              `Latency (${report.candidate.model})`,
              'Candidate failures',
            ],
            report.tests.map((t) => [
              t.description,
              verdictCell(t.current),
              verdictCell(t.candidate),
              format.ms(t.currentLatencyMs),
              format.ms(t.candidateLatencyMs),
              t.candidateFailures.join('; '),
            ]),
            [3, 4],
          ),
        ],
      },
      {
        heading: 'Regressions',
        blocks: report.regressions.length === 0 ? [paragraph('None.')] : [list(report.regressions)],
      },
    ],
  };
}
