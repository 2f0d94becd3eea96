/** An error as the server answered it: its title and detail, the code and status, and each field problem. */
import type { ReceivedProblem } from '../../../src/core/api.ts';
import { ApiProblem } from '../api.ts';

export function ProblemView({ error, context }: { readonly error: unknown; readonly context?: string }) {
  if (error === undefined || error === null) return null;
  const problem: ReceivedProblem =
    error instanceof ApiProblem
      ? error.problem
      : { status: 0, title: 'Error', detail: String((error as Error).message ?? error) };
  const findings = Array.isArray(problem.findings)
    ? (problem.findings as { line?: number; rule: string; severity: string; message: string }[])
    : [];
  return (
    <div class="problem" role="alert" data-code={problem.code ?? ''}>
      <p class="problem-title">
        <strong>
          {context ? `${context}: ` : ''}
          {problem.title ?? 'Refused'}
        </strong>
        {problem.code ? <code class="problem-code">{problem.code}</code> : null}
        {problem.status ? <span class="problem-status">HTTP {problem.status}</span> : null}
      </p>
      {problem.detail ? <p class="problem-detail">{problem.detail}</p> : null}
      {problem.errors && problem.errors.length > 0 ? (
        <ul>
          {problem.errors.map((e) => (
            <li key={`${e.path}:${e.message}`}>
              <code>{e.path}</code>: {e.message}
            </li>
          ))}
        </ul>
      ) : null}
      {findings.length > 0 ? (
        <ul>
          {findings.map((f) => (
            <li key={`${f.rule}:${f.line}:${f.message}`}>
              {f.line !== undefined ? `line ${f.line}: ` : ''}
              {f.severity} {f.rule}: {f.message}
            </li>
          ))}
        </ul>
      ) : null}
      {typeof problem.requestId === 'string' ? <p class="muted">request id {problem.requestId}</p> : null}
    </div>
  );
}

/** A poll that keeps failing: the last data stays shown, and this says so. */
export function PollStatus({
  failures,
  nextInMs,
  error,
}: {
  failures: number;
  nextInMs: number;
  error: unknown;
}) {
  if (failures === 0) return null;
  return (
    <div class="poll-status" role="status">
      Live updates failing ({failures}×); retrying in {Math.ceil(nextInMs / 1000)} s.
      <ProblemView error={error} />
    </div>
  );
}
