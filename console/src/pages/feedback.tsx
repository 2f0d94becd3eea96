/**
 * Feedback and experiments: per version of a prompt in an environment, the ratings, the negative
 * rate with its 95% interval and the mean stars, and the A/B verdict the server computes (the
 * two-proportion test of the negative rates, docs/feedback.md).
 */
import type { FeedbackReport } from '../../../src/core/api.ts';
import { get, seg } from '../api.ts';
import { listPrompts } from '../cache.ts';
import { Loading, Section } from '../components/common.tsx';
import { PollStatus, ProblemView } from '../components/problem.tsx';
import { useLoad, usePoll } from '../hooks.ts';
import { formatInterval, wilsonInterval } from '../logic/intervals.ts';
import { href } from '../logic/routes.ts';
import type { PageProps } from '../page.ts';

export function FeedbackPage({ query, settings }: PageProps) {
  const prompts = useLoad(listPrompts, []);
  const id = query.get('prompt') ?? '';
  const env = query.get('environment') ?? settings.environments[0] ?? '';
  const go = (next: { prompt?: string; environment?: string }) => {
    location.hash = href(
      '/feedback',
      {},
      { prompt: next.prompt ?? id, environment: next.environment ?? env },
    );
  };
  return (
    <>
      <h1>Feedback and experiments</h1>
      <div class="toolbar">
        <label>
          Prompt{' '}
          <select value={id} onChange={(e) => go({ prompt: e.currentTarget.value })}>
            <option value="">choose a prompt</option>
            {(prompts.data ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.id}
              </option>
            ))}
          </select>
        </label>
        <label>
          Environment{' '}
          <select value={env} onChange={(e) => go({ environment: e.currentTarget.value })}>
            {settings.environments.map((e) => (
              <option key={e} value={e}>
                {e}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ProblemView error={prompts.error} />
      {id && env ? (
        <Report key={`${id}/${env}`} id={id} env={env} />
      ) : (
        <p>Choose a prompt to see its feedback.</p>
      )}
    </>
  );
}

function Report({ id, env }: { id: string; env: string }) {
  const report = usePoll(
    () => get<FeedbackReport>(`/prompts/${seg(id)}/feedback`, { environment: env }),
    [id, env],
    () => false,
    {
      idleMs: 15_000,
    },
  );
  const data = report.data;
  const c = data?.comparison;
  return (
    <>
      <PollStatus failures={report.failures} nextInMs={report.nextInMs} error={report.error} />
      {!data ? report.failures === 0 ? <Loading what="feedback" /> : null : null}
      {data ? (
        <>
          <Section title={`Ratings of ${id} in ${env}`} id="ratings">
            {data.versions.length === 0 ? (
              <p>
                No feedback for {id} in {env} yet.
              </p>
            ) : (
              <div class="scroll">
                <table>
                  <caption class="sr-only">Ratings per version, newest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">Version</th>
                      <th scope="col">Ratings</th>
                      <th scope="col">Positive</th>
                      <th scope="col">Negative</th>
                      <th scope="col">Negative rate</th>
                      <th scope="col">Mean stars</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.versions.map((v) => (
                      <tr key={v.version}>
                        <th scope="row">{v.version}</th>
                        <td>{v.count}</td>
                        <td>{v.positive}</td>
                        <td>{v.negative}</td>
                        <td>{formatInterval(wilsonInterval(v.negative, v.count))}</td>
                        <td>{v.mean === undefined ? '—' : v.mean.toFixed(2)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Section>
          <Section title="A/B verdict" id="verdict">
            {c ? (
              <p class="verdict" role="status">
                {c.candidate} against {c.baseline}: negative rate {c.difference >= 0 ? '+' : ''}
                {(c.difference * 100).toFixed(1)} points, p = {c.pValue.toFixed(4)}.{' '}
                <strong>
                  {c.significant
                    ? c.difference > 0
                      ? `${c.candidate} does significantly worse.`
                      : `${c.candidate} does significantly better.`
                    : 'No significant difference yet.'}
                </strong>
              </p>
            ) : (
              <p>No comparison: both versions of an experiment need feedback in this environment.</p>
            )}
          </Section>
        </>
      ) : null}
    </>
  );
}
