/**
 * Environments: per environment the pins, the live deployment (state, percentage over time, strategy,
 * bake), alarm states and canary verdicts as they land, polled with backoff; deploy (versions and
 * strategy, confirmed by a list of what changes) and rollback (the whole environment or chosen
 * prompts), each answered with the server's problem details when a gate refuses.
 */
import { useRef, useState } from 'preact/hooks';
import type {
  CanaryAnalysisEntry,
  DeploymentStatus,
  EnvironmentStatusResponse,
  StartedDeployment,
} from '../../../src/core/api.ts';
import type {
  ConsoleAlarm,
  ConsoleAlarmsResponse,
  ConsoleSettings,
} from '../../../src/core/console-contract.ts';
import { get, post, seg } from '../api.ts';
import { listPrompts, listVersions } from '../cache.ts';
import { Facts, Loading, Section, StateBadge, Time } from '../components/common.tsx';
import { PollStatus, ProblemView } from '../components/problem.tsx';
import { useLoad, usePoll } from '../hooks.ts';
import {
  type DeployPlan,
  type DeployRow,
  emptyRow,
  type FormError,
  validateDeployForm,
} from '../logic/deploy-form.ts';
import { type AnyPin, describePin } from '../logic/pins.ts';
import { addSample, chartPoints, type RolloutSample } from '../logic/rollout-series.ts';
import { href } from '../logic/routes.ts';
import type { PageProps } from '../page.ts';

const IN_PROGRESS = new Set(['DEPLOYING', 'BAKING']);

interface EnvironmentView {
  readonly status: EnvironmentStatusResponse;
  readonly alarms: readonly ConsoleAlarm[] | { unavailable: string };
}

async function loadEnvironment(settings: ConsoleSettings, env: string): Promise<EnvironmentView> {
  const [status, alarms] = await Promise.all([
    get<EnvironmentStatusResponse>(`/environments/${seg(env)}`),
    get<ConsoleAlarmsResponse>(settings.alarmsPath, { environment: env }).then(
      (all) => all[env] ?? { unavailable: `no alarm states for ${env}` },
      (error: unknown) => ({ unavailable: (error as Error).message }),
    ),
  ]);
  return { status, alarms };
}

export function EnvironmentsPage({ params, settings }: PageProps) {
  const env = params.env ?? settings.environments[0];
  return (
    <>
      <h1>Environments</h1>
      <nav aria-label="Environments" class="tabs">
        {settings.environments.map((e) => (
          <a
            key={e}
            href={href('/environments/:env', { env: e })}
            aria-current={e === env ? 'page' : undefined}
          >
            {e}
            {settings.protectedEnvironments.includes(e) ? ' (protected)' : ''}
          </a>
        ))}
      </nav>
      {env ? <Environment key={env} env={env} settings={settings} /> : <p>No environments are configured.</p>}
    </>
  );
}

function Environment({ env, settings }: { env: string; settings: ConsoleSettings }) {
  const series = useRef(new Map<number, RolloutSample[]>());
  const view = usePoll(
    async () => {
      const loaded = await loadEnvironment(settings, env);
      const d = loaded.status.deployment;
      if (d) {
        const started = Date.parse(d.startedAt);
        series.current.set(
          d.number,
          addSample(
            series.current.get(d.number) ?? [],
            { at: Date.now(), percentage: d.percentage, state: d.state },
            Number.isNaN(started) ? undefined : started,
          ),
        );
      }
      return loaded;
    },
    [env],
    (data) => IN_PROGRESS.has(data?.status.deployment?.state ?? ''),
  );
  const status = view.data?.status;
  const deployment = status?.deployment ?? null;
  return (
    <>
      <PollStatus failures={view.failures} nextInMs={view.nextInMs} error={view.error} />
      {!status ? view.failures === 0 ? <Loading what={env} /> : null : null}
      {!status ? <ProblemView error={view.error} /> : null}
      {status ? (
        <>
          <Section title={`Deployment in ${env}`} id="deployment">
            {deployment ? (
              <DeploymentCard deployment={deployment} samples={series.current.get(deployment.number) ?? []} />
            ) : (
              <p>No deployment yet.</p>
            )}
          </Section>
          {deployment?.analysis && deployment.analysis.length > 0 ? (
            <CanaryTable analysis={deployment.analysis} />
          ) : null}
          <AlarmsTable alarms={view.data?.alarms ?? []} />
          <PinsAndRollback env={env} status={status} onDone={view.reload} />
          <DeployForm
            env={env}
            settings={settings}
            current={status.prompts as Readonly<Record<string, AnyPin>>}
            onDone={view.reload}
          />
          <HistoryTable status={status} />
        </>
      ) : null}
    </>
  );
}

function DeploymentCard({
  deployment: d,
  samples,
}: {
  deployment: DeploymentStatus;
  samples: readonly RolloutSample[];
}) {
  const points = chartPoints(samples, 300, 60);
  const bakingSince = d.state === 'BAKING' ? samples.find((s) => s.state === 'BAKING')?.at : undefined;
  return (
    <div class="deployment" data-state={d.state}>
      <p class="deployment-state" aria-live="polite" role="status">
        Deployment #{d.number}: <StateBadge state={d.state} />{' '}
        <span class="percentage">{Math.round(d.percentage)}%</span>
      </p>
      <label class="progress-label">
        Rollout
        <progress max={100} value={d.percentage}>
          {Math.round(d.percentage)}%
        </progress>
      </label>
      <Facts
        items={[
          ['Strategy', d.strategy],
          [
            'Started',
            <span key="s">
              <Time at={d.startedAt} />
              {d.startedBy ? ` by ${d.startedBy}` : ''}
            </span>,
          ],
          [
            'Ended',
            d.endedAt ? (
              <Time at={d.endedAt} key="e" />
            ) : d.state === 'BAKING' ? (
              'baking (alarms still roll it back)'
            ) : (
              'in progress'
            ),
          ],
          ...(bakingSince ? [['Baking since', new Date(bakingSince).toLocaleTimeString()] as const] : []),
          ['Revision', String(d.revision)],
        ]}
      />
      {d.reason ? (
        <p class={`reason ${d.state === 'ROLLED_BACK' ? 'bad' : ''}`}>
          <strong>Reason:</strong> <span class="deployment-reason">{d.reason}</span>
        </p>
      ) : null}
      {samples.some((s) => IN_PROGRESS.has(s.state)) && samples.length > 1 ? (
        <figure class="chart">
          <svg
            viewBox="0 0 300 60"
            width="300"
            height="60"
            role="img"
            aria-label={`Rollout percentage over time, now ${Math.round(d.percentage)}%`}
          >
            <line x1="0" y1="60" x2="300" y2="60" class="axis" />
            <line x1="0" y1="0" x2="300" y2="0" class="axis faint" />
            <polyline points={points} class="series" fill="none" />
          </svg>
          <figcaption class="muted">
            Percentage over time, as seen by this page since it opened (0–100%).
          </figcaption>
        </figure>
      ) : null}
    </div>
  );
}

const METRIC_LABEL: Record<string, string> = {
  errorRate: 'error rate',
  negativeFeedbackRate: 'negative feedback',
  latencyP99: 'latency p99',
};

function formatMetric(metric: string, value: number | undefined): string {
  if (value === undefined) return '—';
  return metric === 'latencyP99' ? `${Math.round(value)} ms` : `${(value * 100).toFixed(2)}%`;
}

function CanaryTable({ analysis }: { analysis: readonly CanaryAnalysisEntry[] }) {
  return (
    <Section title="Canary analysis" id="canary">
      <div class="scroll">
        <table>
          <caption class="sr-only">Canary verdicts per prompt and metric</caption>
          <thead>
            <tr>
              <th scope="col">Prompt</th>
              <th scope="col">Candidate vs baseline</th>
              <th scope="col">Metric</th>
              <th scope="col">Candidate</th>
              <th scope="col">Baseline</th>
              <th scope="col">Samples</th>
              <th scope="col">p-value</th>
              <th scope="col">Verdict</th>
            </tr>
          </thead>
          <tbody>
            {analysis.map((e) => (
              <tr key={`${e.promptId}-${e.candidate}-${e.metric}`}>
                <th scope="row">{e.promptId}</th>
                <td>
                  {e.candidate} vs {e.baseline}
                </td>
                <td>{METRIC_LABEL[e.metric] ?? e.metric}</td>
                <td>{formatMetric(e.metric, e.candidateValue)}</td>
                <td>{formatMetric(e.metric, e.baselineValue)}</td>
                <td>
                  {e.samples.candidate} / {e.samples.baseline}
                </td>
                <td>{e.pValue === undefined ? '—' : e.pValue < 0.0001 ? '<0.0001' : e.pValue.toFixed(4)}</td>
                <td>
                  <StateBadge state={e.verdict} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  );
}

function AlarmsTable({ alarms }: { alarms: EnvironmentView['alarms'] }) {
  return (
    <Section title="Alarms" id="alarms">
      {'unavailable' in alarms ? (
        <p class="muted">Alarm states are not available: {alarms.unavailable}</p>
      ) : alarms.length === 0 ? (
        <p class="muted">No alarms found for this environment.</p>
      ) : (
        <div class="scroll">
          <table>
            <caption class="sr-only">Alarm states</caption>
            <thead>
              <tr>
                <th scope="col">Alarm</th>
                <th scope="col">State</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {alarms.map((a) => (
                <tr key={a.name}>
                  <th scope="row">{a.name}</th>
                  <td>
                    <StateBadge state={a.state} />
                  </td>
                  <td>{a.reason ?? a.description ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}

function PinsAndRollback({
  env,
  status,
  onDone,
}: {
  env: string;
  status: EnvironmentStatusResponse;
  onDone: () => void;
}) {
  const pins = Object.entries(status.prompts as Readonly<Record<string, AnyPin>>).sort(([a], [b]) =>
    a.localeCompare(b),
  );
  const [scope, setScope] = useState<'all' | 'chosen'>('all');
  const [chosen, setChosen] = useState<readonly string[]>([]);
  const [reason, setReason] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [outcome, setOutcome] = useState<{ ok?: string; error?: unknown; invalid?: string }>({});
  const [busy, setBusy] = useState(false);

  const ask = (event: Event) => {
    event.preventDefault();
    if (scope === 'chosen' && chosen.length === 0) {
      setOutcome({ invalid: 'Choose the prompts to roll back, or roll back the whole environment.' });
      return;
    }
    setOutcome({});
    setConfirming(true);
  };
  const rollback = async () => {
    setBusy(true);
    try {
      const { body } = await post<StartedDeployment>(`/environments/${seg(env)}/rollback`, {
        ...(scope === 'chosen' ? { prompts: chosen } : {}),
        ...(reason.trim() ? { reason: reason.trim() } : {}),
      });
      setOutcome({
        ok: `Rollback started: deployment #${body.deploymentNumber} (revision ${body.revision}).`,
      });
      setChosen([]);
      onDone();
    } catch (error) {
      setOutcome({ error });
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };
  return (
    <Section title={`Pins in ${env}`} id="pins">
      <p class="muted">Revision {status.revision}.</p>
      {pins.length === 0 ? (
        <p>Nothing is deployed to {env}.</p>
      ) : (
        <form onSubmit={ask}>
          <div class="scroll">
            <table>
              <caption class="sr-only">What {env} serves</caption>
              <thead>
                <tr>
                  <th scope="col">Roll back</th>
                  <th scope="col">Prompt</th>
                  <th scope="col">Pin</th>
                </tr>
              </thead>
              <tbody>
                {pins.map(([id, pin]) => (
                  <tr key={id}>
                    <td>
                      <input
                        type="checkbox"
                        id={`rollback-${id}`}
                        aria-label={`Roll back ${id}`}
                        checked={chosen.includes(id)}
                        onChange={(e) => {
                          const on = e.currentTarget.checked;
                          setChosen(on ? [...chosen, id] : chosen.filter((c) => c !== id));
                          if (on) setScope('chosen');
                        }}
                      />
                    </td>
                    <th scope="row">
                      <a href={href('/prompts/:id', { id })}>{id}</a>
                    </th>
                    <td>{describePin(pin)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <fieldset>
            <legend>Roll back</legend>
            <label>
              <input
                type="radio"
                name="rollback-scope"
                checked={scope === 'all'}
                onChange={() => setScope('all')}
              />{' '}
              The whole environment (its previous revision)
            </label>
            <label>
              <input
                type="radio"
                name="rollback-scope"
                checked={scope === 'chosen'}
                onChange={() => setScope('chosen')}
              />{' '}
              Only the chosen prompts
              {chosen.length > 0 ? ` (${chosen.join(', ')})` : ''}
            </label>
            <div class="field">
              <label for="rollback-reason">Reason (kept in the audit log)</label>
              <input
                id="rollback-reason"
                type="text"
                value={reason}
                onInput={(e) => setReason(e.currentTarget.value)}
              />
            </div>
            <button type="submit" class="danger">
              Roll back…
            </button>
          </fieldset>
        </form>
      )}
      {outcome.invalid ? (
        <p class="field-error" role="alert">
          {outcome.invalid}
        </p>
      ) : null}
      {confirming ? (
        <div class="confirm" role="alertdialog" aria-labelledby="rollback-confirm-title">
          <p id="rollback-confirm-title">
            <strong>
              Roll back{' '}
              {scope === 'all'
                ? `all of ${env} to its previous pins`
                : `${chosen.join(', ')} in ${env} to their previous pins`}
              ?
            </strong>
          </p>
          <button type="button" class="danger" onClick={rollback} disabled={busy}>
            {busy ? 'Rolling back…' : `Confirm rollback of ${env}`}
          </button>{' '}
          <button type="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : null}
      {outcome.ok ? (
        <p class="success" role="status">
          {outcome.ok}
        </p>
      ) : null}
      <ProblemView error={outcome.error} context="Rollback refused" />
    </Section>
  );
}

function VersionSelect({
  id,
  inputId,
  value,
  onChange,
  label,
}: {
  id: string;
  inputId: string;
  value: string;
  onChange: (v: string) => void;
  label: string;
}) {
  const versions = useLoad(() => (id ? listVersions(id) : Promise.resolve([])), [id]);
  return (
    <span class="control">
      <label for={inputId}>{label}</label>{' '}
      <select id={inputId} value={value} onChange={(e) => onChange(e.currentTarget.value)} disabled={!id}>
        <option value="">{versions.loading ? 'loading…' : 'choose a version'}</option>
        {(versions.data ?? []).map((v) => (
          <option key={v.version} value={v.version}>
            {v.version}
            {v.approvals.length > 0 ? ' (approved)' : ''}
          </option>
        ))}
      </select>
    </span>
  );
}

function errorFor(errors: readonly FormError[], prefix: string): string | undefined {
  const found = errors.filter((e) => e.path === prefix || e.path.startsWith(`${prefix}.`));
  return found.length > 0 ? found.map((e) => e.message).join('; ') : undefined;
}

function DeployForm({
  env,
  settings,
  current,
  onDone,
}: {
  env: string;
  settings: ConsoleSettings;
  current: Readonly<Record<string, AnyPin>>;
  onDone: () => void;
}) {
  const prompts = useLoad(listPrompts, []);
  const [rows, setRows] = useState<readonly DeployRow[]>([emptyRow()]);
  const [strategy, setStrategy] = useState('');
  const [description, setDescription] = useState('');
  const [errors, setErrors] = useState<readonly FormError[]>([]);
  const [plan, setPlan] = useState<DeployPlan | undefined>();
  const [outcome, setOutcome] = useState<{ ok?: string; error?: unknown }>({});
  const [busy, setBusy] = useState(false);

  const update = (i: number, row: Partial<DeployRow>) => {
    setRows(rows.map((r, k) => (k === i ? { ...r, ...row } : r)));
    setPlan(undefined);
  };
  const review = (event: Event) => {
    event.preventDefault();
    setOutcome({});
    const result = validateDeployForm({ environment: env, rows, strategy, description, current });
    if (result.ok) {
      setErrors([]);
      setPlan(result.plan);
    } else {
      setErrors(result.errors);
      setPlan(undefined);
    }
  };
  const deploy = async () => {
    if (!plan) return;
    setBusy(true);
    try {
      const { body } = await post<StartedDeployment>(`/environments/${seg(env)}/deployments`, plan.request);
      setOutcome({ ok: `Deployment #${body.deploymentNumber} to ${env} started (${body.state}).` });
      setPlan(undefined);
      onDone();
    } catch (error) {
      setOutcome({ error });
      setPlan(undefined);
    } finally {
      setBusy(false);
    }
  };
  const isProtected = settings.protectedEnvironments.includes(env);
  return (
    <Section title={`Deploy to ${env}`} id="deploy">
      {isProtected ? <p class="muted">{env} is protected: it accepts approved versions only.</p> : null}
      <form onSubmit={review} aria-label={`Deploy to ${env}`}>
        {rows.map((row, i) => {
          const rowError = errorFor(errors, `rows.${i}`);
          return (
            <fieldset key={`row-${i}`} class="deploy-row">
              <legend>Prompt {i + 1}</legend>
              <label for={`deploy-${env}-${i}-prompt`}>Prompt</label>{' '}
              <select
                id={`deploy-${env}-${i}-prompt`}
                value={row.promptId}
                onChange={(e) => update(i, { promptId: e.currentTarget.value, version: '' })}
              >
                <option value="">choose a prompt</option>
                {(prompts.data ?? []).map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.id}
                  </option>
                ))}
              </select>{' '}
              {row.promptId && current[row.promptId] !== undefined ? (
                <span class="muted">now {describePin(current[row.promptId] as AnyPin)}</span>
              ) : null}
              <div class="inline">
                <label>
                  <input
                    type="radio"
                    name={`mode-${i}`}
                    checked={row.mode === 'single'}
                    onChange={() => update(i, { mode: 'single' })}
                  />{' '}
                  One version
                </label>
                <label>
                  <input
                    type="radio"
                    name={`mode-${i}`}
                    checked={row.mode === 'split'}
                    onChange={() => update(i, { mode: 'split' })}
                  />{' '}
                  A/B split
                </label>
              </div>
              {row.mode === 'single' ? (
                <VersionSelect
                  id={row.promptId}
                  inputId={`deploy-${env}-${i}-version`}
                  label="Version"
                  value={row.version}
                  onChange={(version) => update(i, { version })}
                />
              ) : (
                row.variants.map((variant, k) => (
                  <div class="inline" key={`v-${k}`}>
                    <VersionSelect
                      id={row.promptId}
                      inputId={`deploy-${env}-${i}-variant-${k}`}
                      label={`Variant ${k + 1} version`}
                      value={variant.version}
                      onChange={(version) =>
                        update(i, { variants: row.variants.map((v, j) => (j === k ? { ...v, version } : v)) })
                      }
                    />
                    <label>
                      Weight %{' '}
                      <input
                        type="text"
                        inputMode="numeric"
                        size={4}
                        value={variant.weight}
                        onInput={(e) =>
                          update(i, {
                            variants: row.variants.map((v, j) =>
                              j === k ? { ...v, weight: e.currentTarget.value } : v,
                            ),
                          })
                        }
                      />
                    </label>
                  </div>
                ))
              )}
              {rows.length > 1 ? (
                <button type="button" onClick={() => setRows(rows.filter((_, k) => k !== i))}>
                  Remove prompt {i + 1}
                </button>
              ) : null}
              {rowError ? <p class="field-error">{rowError}</p> : null}
            </fieldset>
          );
        })}
        <button type="button" onClick={() => setRows([...rows, emptyRow()])}>
          Add a prompt
        </button>
        <div class="field">
          <label for={`strategy-${env}`}>Strategy (empty: the environment's default)</label>
          <input
            id={`strategy-${env}`}
            type="text"
            list={`strategies-${env}`}
            value={strategy}
            onInput={(e) => setStrategy(e.currentTarget.value)}
          />
          <datalist id={`strategies-${env}`}>
            {settings.strategies.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
          {errorFor(errors, 'strategy') ? <p class="field-error">{errorFor(errors, 'strategy')}</p> : null}
        </div>
        <div class="field">
          <label for={`description-${env}`}>Description (optional)</label>
          <input
            id={`description-${env}`}
            type="text"
            value={description}
            onInput={(e) => setDescription(e.currentTarget.value)}
          />
        </div>
        {errorFor(errors, 'rows') && !errors.some((e) => /^rows\.\d/.test(e.path)) ? (
          <p class="field-error" role="alert">
            {errorFor(errors, 'rows')}
          </p>
        ) : null}
        {errors.length > 0 ? (
          <p class="field-error" role="alert">
            The deployment is not ready: {errors.length} problem{errors.length === 1 ? '' : 's'} above.
          </p>
        ) : null}
        <button type="submit" class="primary">
          Review deployment…
        </button>
      </form>
      {plan ? (
        <div class="confirm" role="alertdialog" aria-labelledby="deploy-confirm-title">
          <p id="deploy-confirm-title">
            <strong>
              Deploy to {env} with {plan.request.strategy ?? "the environment's default strategy"}? This
              changes:
            </strong>
          </p>
          <ul class="changes">
            {plan.changes.map((c) => (
              <li key={c.promptId}>{c.summary}</li>
            ))}
          </ul>
          {plan.unchanged.length > 0 ? <p class="muted">Unchanged: {plan.unchanged.join(', ')}.</p> : null}
          <button type="button" class="primary" onClick={deploy} disabled={busy}>
            {busy ? 'Deploying…' : `Confirm deploy to ${env}`}
          </button>{' '}
          <button type="button" onClick={() => setPlan(undefined)}>
            Cancel
          </button>
        </div>
      ) : null}
      {outcome.ok ? (
        <p class="success" role="status">
          {outcome.ok}
        </p>
      ) : null}
      <ProblemView error={outcome.error} context="Deploy refused" />
    </Section>
  );
}

function HistoryTable({ status }: { status: EnvironmentStatusResponse }) {
  if (status.history.length === 0) return null;
  return (
    <Section title="History" id="history">
      <div class="scroll">
        <table>
          <caption class="sr-only">Revisions of {status.environment}, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Revision</th>
              <th scope="col">Kind</th>
              <th scope="col">State</th>
              <th scope="col">Strategy</th>
              <th scope="col">By</th>
              <th scope="col">At</th>
              <th scope="col">Pins</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {status.history.map((h) => (
              <tr key={h.revision}>
                <th scope="row">{h.revision}</th>
                <td>{h.kind}</td>
                <td>
                  <StateBadge state={h.state} />
                </td>
                <td>{h.strategy}</td>
                <td>{h.createdBy}</td>
                <td>
                  <Time at={h.createdAt} />
                </td>
                <td>
                  {Object.entries(h.pins as Readonly<Record<string, AnyPin>>)
                    .map(([id, pin]) => `${id} ${describePin(pin)}`)
                    .join(', ')}
                </td>
                <td>{h.reason ?? h.description ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  );
}
