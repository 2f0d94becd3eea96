/** The audit log, newest first, filtered by prompt and environment (server side) and action (here). */
import { useEffect, useState } from 'preact/hooks';
import type { AuditEntry, ListPage } from '../../../src/core/api.ts';
import { get } from '../api.ts';
import { Loading, Time } from '../components/common.tsx';
import { ProblemView } from '../components/problem.tsx';
import { href } from '../logic/routes.ts';
import type { PageProps } from '../page.ts';

export function AuditPage({ query, settings }: PageProps) {
  const promptId = query.get('promptId') ?? '';
  const environment = query.get('environment') ?? '';
  const [promptInput, setPromptInput] = useState(promptId);
  const [action, setAction] = useState('');
  const [items, setItems] = useState<readonly AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | undefined>();
  const [state, setState] = useState<{ loading: boolean; error?: unknown }>({ loading: true });

  const load = async (from: string | undefined, append: boolean) => {
    setState({ loading: true });
    try {
      const page = await get<ListPage<AuditEntry>>('/audit', {
        promptId,
        environment,
        limit: '50',
        cursor: from,
      });
      setItems((old) => (append ? [...old, ...page.items] : page.items));
      setCursor(page.nextCursor);
      setState({ loading: false });
    } catch (error) {
      setState({ loading: false, error });
    }
  };
  useEffect(() => {
    void load(undefined, false);
  }, [promptId, environment]);

  const apply = (event: Event) => {
    event.preventDefault();
    location.hash = href('/audit', {}, { promptId: promptInput.trim(), environment });
  };
  const needle = action.trim().toLowerCase();
  const shown = items.filter((e) => needle === '' || e.action.toLowerCase().includes(needle));
  return (
    <>
      <h1>Audit log</h1>
      <form class="toolbar" onSubmit={apply} aria-label="Audit filters">
        <label>
          Prompt id{' '}
          <input type="text" value={promptInput} onInput={(e) => setPromptInput(e.currentTarget.value)} />
        </label>
        <label>
          Environment{' '}
          <select
            value={environment}
            onChange={(e) => {
              location.hash = href(
                '/audit',
                {},
                { promptId: promptInput.trim(), environment: e.currentTarget.value },
              );
            }}
          >
            <option value="">any</option>
            {settings.environments.map((e) => (
              <option key={e} value={e}>
                {e}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Filter</button>
        <label>
          Action contains{' '}
          <input type="search" value={action} onInput={(e) => setAction(e.currentTarget.value)} />
        </label>
      </form>
      <ProblemView error={state.error} />
      <div class="scroll">
        <table>
          <caption class="sr-only">Audit events, newest first</caption>
          <thead>
            <tr>
              <th scope="col">At</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e) => (
              <tr key={`${e.at}-${e.requestId}-${e.action}-${e.target}`}>
                <td>
                  <Time at={e.at} />
                </td>
                <td>{e.actor}</td>
                <th scope="row">{e.action}</th>
                <td>{e.target}</td>
                <td>
                  <code class="details">{JSON.stringify(e.details)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {state.loading ? <Loading what="audit events" /> : null}
      {!state.loading && shown.length === 0 ? <p>No audit events match.</p> : null}
      {cursor ? (
        <button type="button" onClick={() => load(cursor, true)} disabled={state.loading}>
          Load older events
        </button>
      ) : null}
    </>
  );
}
