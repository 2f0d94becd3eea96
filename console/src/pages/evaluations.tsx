/**
 * Evaluations: a version's runs of its prompt's suite (docs/evaluations.md) with their verdicts, a
 * run's test x assertion results, and starting a run; polled while one is RUNNING.
 */
import { useState } from 'preact/hooks';
import type { EvaluationRun, EvaluationStarted, EvaluationSummary, ListPage } from '../../../src/core/api.ts';
import { get, post, seg } from '../api.ts';
import { listPrompts, listVersions } from '../cache.ts';
import { Loading, Section, StateBadge, Time } from '../components/common.tsx';
import { PollStatus, ProblemView } from '../components/problem.tsx';
import { useLoad, usePoll } from '../hooks.ts';
import { href } from '../logic/routes.ts';
import type { PageProps } from '../page.ts';

const rate = (r: number | undefined) => (r === undefined ? '—' : `${Math.round(r * 100)}%`);

export function EvaluationsPage({ params }: PageProps) {
  const prompts = useLoad(listPrompts, []);
  const id = params.id ?? '';
  const versions = useLoad(() => (id ? listVersions(id) : Promise.resolve([])), [id]);
  const version = params.version ?? '';
  return (
    <>
      <h1>Evaluations</h1>
      <div class="toolbar">
        <label>
          Prompt{' '}
          <select
            value={id}
            onChange={(e) => (location.hash = href('/evaluations/:id', { id: e.currentTarget.value }))}
          >
            <option value="">choose a prompt</option>
            {(prompts.data ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.id}
              </option>
            ))}
          </select>
        </label>
        <label>
          Version{' '}
          <select
            value={version}
            disabled={!id}
            onChange={(e) =>
              (location.hash = href('/evaluations/:id/:version', { id, version: e.currentTarget.value }))
            }
          >
            <option value="">choose a version</option>
            {(versions.data ?? []).map((v) => (
              <option key={v.version} value={v.version}>
                {v.version}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ProblemView error={prompts.error ?? versions.error} />
      {id && version ? (
        <Runs key={`${id}@${version}`} id={id} version={version} />
      ) : (
        <p>Choose a prompt and a version.</p>
      )}
    </>
  );
}

function Runs({ id, version }: { id: string; version: string }) {
  const base = `/prompts/${seg(id)}/versions/${seg(version)}/evaluations`;
  const runs = usePoll(
    () => get<ListPage<EvaluationSummary>>(base),
    [base],
    (data) => (data?.items ?? []).some((r) => r.state === 'RUNNING'),
    { idleMs: 10_000 },
  );
  const [selected, setSelected] = useState<string | undefined>();
  const [start, setStart] = useState<{ busy?: boolean; ok?: string; error?: unknown }>({});
  const items = runs.data?.items ?? [];
  const shown = selected ?? items[0]?.id;
  const run = async () => {
    setStart({ busy: true });
    try {
      const { body } = await post<EvaluationStarted>(base, {});
      setStart({ ok: `Run ${body.id} started against suite revision ${body.suiteRevision}.` });
      setSelected(body.id);
      runs.reload();
    } catch (error) {
      setStart({ error });
    }
  };
  return (
    <>
      <PollStatus failures={runs.failures} nextInMs={runs.nextInMs} error={runs.error} />
      <Section title={`Runs of ${id} ${version}`} id="runs">
        <button type="button" class="primary" onClick={run} disabled={start.busy}>
          Run the suite
        </button>
        {start.ok ? (
          <p class="success" role="status">
            {start.ok}
          </p>
        ) : null}
        <ProblemView error={start.error} context="Evaluation refused" />
        {!runs.data && runs.failures === 0 ? <Loading what="runs" /> : null}
        {runs.data && items.length === 0 ? <p>No runs yet.</p> : null}
        {items.length > 0 ? (
          <div class="scroll">
            <table>
              <caption class="sr-only">Evaluation runs, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Run</th>
                  <th scope="col">State</th>
                  <th scope="col">Pass rate</th>
                  <th scope="col">Threshold</th>
                  <th scope="col">Suite revision</th>
                  <th scope="col">Provider</th>
                  <th scope="col">Started</th>
                </tr>
              </thead>
              <tbody>
                {items.map((r) => (
                  <tr key={r.id} aria-selected={r.id === shown}>
                    <th scope="row">
                      <button
                        type="button"
                        class="link"
                        onClick={() => setSelected(r.id)}
                        aria-pressed={r.id === shown}
                      >
                        {r.id}
                      </button>
                    </th>
                    <td>
                      <StateBadge state={r.state} />
                      {r.reason ? <span class="muted"> {r.reason}</span> : null}
                    </td>
                    <td>{rate(r.passRate)}</td>
                    <td>{rate(r.threshold)}</td>
                    <td>{r.suiteRevision}</td>
                    <td>
                      {r.provider.type}
                      {r.provider.model ? ` ${r.provider.model}` : ''}
                      {r.providerOverride ? ' (override: not counted by the gate)' : ''}
                    </td>
                    <td>
                      <Time at={r.startedAt} /> by {r.startedBy}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </Section>
      {shown ? (
        <RunDetail
          key={`${shown}-${items.find((r) => r.id === shown)?.state}`}
          path={`${base}/${seg(shown)}`}
        />
      ) : null}
    </>
  );
}

function RunDetail({ path }: { path: string }) {
  const run = useLoad(() => get<EvaluationRun>(path), [path]);
  if (run.error) return <ProblemView error={run.error} />;
  if (!run.data) return <Loading what="the run" />;
  return (
    <Section title={`Run ${run.data.id}: ${run.data.state}`} id="run">
      {run.data.tests.length === 0 ? (
        <p>No test results{run.data.state === 'RUNNING' ? ' yet' : ''}.</p>
      ) : null}
      {run.data.tests.map((t, i) => (
        <div class="test" key={`${t.description}-${i}`}>
          <h3>
            <StateBadge state={t.passed ? 'pass' : 'fail'} /> {t.description}
          </h3>
          {t.error ? <p class="field-error">{t.error}</p> : null}
          <table>
            <caption class="sr-only">Assertions of {t.description}</caption>
            <thead>
              <tr>
                <th scope="col">Assertion</th>
                <th scope="col">Result</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {t.assertions.map((a, k) => (
                <tr key={`${a.type}-${k}`}>
                  <th scope="row">{a.type}</th>
                  <td>
                    <StateBadge state={a.passed ? 'pass' : 'fail'} />
                  </td>
                  <td>{a.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </Section>
  );
}
