/**
 * Prompts: search and list; a prompt's versions (author, message, bump, approvals, where deployed);
 * the diff of any two versions with the bump reasons; the rendered preview of a version with its
 * variables filled in by a form built from its declared variables.
 */
import { useMemo, useState } from 'preact/hooks';
import type { DiffResponse, PromptDetails, VersionDetails } from '../../../src/core/api.ts';
import { get, seg } from '../api.ts';
import { listPrompts, listVersions, versionDetails } from '../cache.ts';
import { Facts, Loading, Section, Time } from '../components/common.tsx';
import { DiffView } from '../components/diff-view.tsx';
import { ProblemView } from '../components/problem.tsx';
import { useLoad } from '../hooks.ts';
import { type AnyPin, describePin, whereDeployed } from '../logic/pins.ts';
import type { CompiledDocument } from '../logic/preview.ts';
import { href } from '../logic/routes.ts';
import { type FormValues, formVariables, initialValues, variableFields } from '../logic/variable-form.ts';
import type { PageProps } from '../page.ts';

/** Versions whose details (bump) the table reads; older ones show on their own pages. */
const DETAILED_VERSIONS = 25;

export function PromptsPage({ params, query }: PageProps) {
  return params.id ? (
    <PromptView id={params.id} query={query} />
  ) : (
    <PromptList initial={query.get('q') ?? ''} />
  );
}

function PromptList({ initial }: { initial: string }) {
  const [search, setSearch] = useState(initial);
  const prompts = useLoad(listPrompts, []);
  const needle = search.trim().toLowerCase();
  const shown = (prompts.data ?? []).filter(
    (p) =>
      needle === '' ||
      p.id.toLowerCase().includes(needle) ||
      (p.description ?? '').toLowerCase().includes(needle) ||
      (p.owner ?? '').toLowerCase().includes(needle),
  );
  return (
    <>
      <h1>Prompts</h1>
      <div class="toolbar">
        <label>
          Search prompts{' '}
          <input
            type="search"
            value={search}
            onInput={(e) => setSearch(e.currentTarget.value)}
            placeholder="id, description or owner"
          />
        </label>
        <span class="muted" role="status">
          {prompts.data ? `${shown.length} of ${prompts.data.length}` : ''}
        </span>
      </div>
      <ProblemView error={prompts.error} />
      {prompts.loading && !prompts.data ? <Loading what="prompts" /> : null}
      {prompts.data ? (
        <div class="scroll">
          <table>
            <caption class="sr-only">Prompts</caption>
            <thead>
              <tr>
                <th scope="col">Prompt</th>
                <th scope="col">Latest</th>
                <th scope="col">Description</th>
                <th scope="col">Owner</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((p) => (
                <tr key={p.id}>
                  <th scope="row">
                    <a href={href('/prompts/:id', { id: p.id })}>{p.id}</a>
                  </th>
                  <td>{p.latestVersion}</td>
                  <td>{p.description ?? ''}</td>
                  <td>{p.owner ?? ''}</td>
                  <td>
                    <Time at={p.updatedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {shown.length === 0 ? <p>No prompt matches “{search}”.</p> : null}
        </div>
      ) : null}
    </>
  );
}

function PromptView({ id, query }: { id: string; query: URLSearchParams }) {
  const details = useLoad(() => get<PromptDetails>(`/prompts/${seg(id)}`), [id]);
  const versions = useLoad(() => listVersions(id), [id]);
  const detailed = useLoad(
    async () =>
      Promise.all(
        (versions.data ?? [])
          .slice(0, DETAILED_VERSIONS)
          .map((v) => versionDetails(id, v.version).catch(() => undefined)),
      ),
    [id, versions.data],
  );
  const byVersion = new Map(
    (detailed.data ?? []).filter((d): d is VersionDetails => d !== undefined).map((d) => [d.version, d]),
  );
  const list = versions.data ?? [];
  const environments = (details.data?.environments ?? {}) as Readonly<Record<string, AnyPin>>;
  return (
    <>
      <p class="crumbs">
        <a href={href('/prompts')}>Prompts</a> / {id}
      </p>
      <h1>{id}</h1>
      <ProblemView error={details.error ?? versions.error} />
      {details.data ? (
        <Facts
          items={[
            ['Description', details.data.description ?? '—'],
            ['Owner', details.data.owner ?? '—'],
            ['Latest version', details.data.latestVersion],
            [
              'Deployed',
              Object.keys(environments).length === 0
                ? 'nowhere yet'
                : Object.entries(environments)
                    .map(([env, pin]) => `${env}: ${describePin(pin)}`)
                    .join('; '),
            ],
          ]}
        />
      ) : null}
      <Section title="Versions" id="versions">
        {versions.loading && !versions.data ? <Loading what="versions" /> : null}
        <div class="scroll">
          <table>
            <caption class="sr-only">Versions of {id}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Author</th>
                <th scope="col">Published</th>
                <th scope="col">Message</th>
                <th scope="col">Bump</th>
                <th scope="col">Approvals</th>
                <th scope="col">Deployed in</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.map((v) => {
                const bump = byVersion.get(v.version)?.bump;
                const places = whereDeployed(environments, v.version);
                return (
                  <tr key={v.version}>
                    <th scope="row">{v.version}</th>
                    <td>{v.createdBy}</td>
                    <td>
                      <Time at={v.createdAt} />
                    </td>
                    <td>{v.message ?? ''}</td>
                    <td>
                      {bump ? (
                        <span title={bump.reasons.join('\n')}>
                          {bump.level}
                          {bump.reasons.length > 0 ? (
                            <span class="muted">
                              {' '}
                              ({bump.reasons.length} reason{bump.reasons.length === 1 ? '' : 's'})
                            </span>
                          ) : null}
                        </span>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td>
                      {v.approvals.length === 0
                        ? 'none'
                        : v.approvals.map((a) => (
                            <div key={a.by}>
                              {a.by}{' '}
                              <span class="muted">
                                (<Time at={a.at} />)
                              </span>
                            </div>
                          ))}
                    </td>
                    <td>
                      {places.length === 0
                        ? '—'
                        : places
                            .map((p) => (p.share ? `${p.environment} (${p.share}%)` : p.environment))
                            .join(', ')}
                    </td>
                    <td class="actions">
                      <a href={href('/prompts/:id', { id }, { preview: v.version })}>Preview</a>{' '}
                      <a href={href('/review/:id/:version', { id, version: v.version })}>Review</a>{' '}
                      <a href={href('/evaluations/:id/:version', { id, version: v.version })}>Evaluations</a>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </Section>
      {list.length > 0 ? <Compare id={id} versions={list.map((v) => v.version)} /> : null}
      {list.length > 0 ? (
        <Preview
          key={query.get('preview') ?? ''}
          id={id}
          versions={list.map((v) => v.version)}
          initial={query.get('preview') ?? list[0]?.version ?? ''}
        />
      ) : null}
    </>
  );
}

function Compare({ id, versions }: { id: string; versions: readonly string[] }) {
  const [from, setFrom] = useState(versions[1] ?? versions[0] ?? '');
  const [to, setTo] = useState(versions[0] ?? '');
  const diff = useLoad(
    () =>
      from && to ? get<DiffResponse>(`/prompts/${seg(id)}/diff`, { from, to }) : Promise.resolve(undefined),
    [id, from, to],
  );
  return (
    <Section title="Compare versions" id="compare">
      <div class="toolbar">
        <label>
          From{' '}
          <select value={from} onChange={(e) => setFrom(e.currentTarget.value)}>
            {versions.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </label>
        <label>
          To{' '}
          <select value={to} onChange={(e) => setTo(e.currentTarget.value)}>
            {versions.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ProblemView error={diff.error} />
      {diff.data ? (
        <DiffSummary diff={diff.data} id={id} />
      ) : diff.loading ? (
        <Loading what="the diff" />
      ) : null}
    </Section>
  );
}

export function DiffSummary({ diff, id }: { diff: DiffResponse; id: string }) {
  return (
    <>
      <p>
        {diff.from} → {diff.to}: the change is <strong class="bump-level">{diff.bump.level}</strong>
      </p>
      {diff.bump.reasons.length > 0 ? (
        <ul class="bump-reasons" aria-label="Bump reasons">
          {diff.bump.reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      ) : null}
      <DiffView unified={diff.unified} label={`Diff of ${id} ${diff.from} to ${diff.to}`} />
    </>
  );
}

function Preview({ id, versions, initial }: { id: string; versions: readonly string[]; initial: string }) {
  const [version, setVersion] = useState(versions.includes(initial) ? initial : (versions[0] ?? ''));
  const details = useLoad(() => versionDetails(id, version), [id, version]);
  return (
    <Section title="Preview" id="preview">
      <label>
        Version{' '}
        <select value={version} onChange={(e) => setVersion(e.currentTarget.value)}>
          {versions.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      </label>
      <ProblemView error={details.error} />
      {details.data ? (
        <RenderedPreview key={`${id}@${version}`} document={details.data.document} />
      ) : (
        <Loading what="the version" />
      )}
    </Section>
  );
}

/** Loads the renderer (logic/preview.ts) on first use, then compiles the document with it. */
function RenderedPreview({ document: text }: { document: string }) {
  const compiled = useLoad(async () => (await import('../logic/preview.ts')).compileDocument(text), [text]);
  if (compiled.error) return <ProblemView error={compiled.error} context="The document does not parse" />;
  if (!compiled.data) return <Loading what="the renderer" />;
  return <VariablesAndRender parsed={compiled.data} />;
}

function VariablesAndRender({ parsed }: { parsed: CompiledDocument }) {
  const fields = useMemo(() => variableFields(parsed.document.variables), [parsed]);
  const [form, setForm] = useState<FormValues>(() => initialValues(fields, parsed.document.variables));
  const { values, errors } = formVariables(fields, form);
  let rendered: ReturnType<typeof parsed.prompt.render> | undefined;
  let renderError: unknown;
  if (Object.keys(errors).length === 0) {
    try {
      rendered = parsed.prompt.render(values);
    } catch (error) {
      renderError = error;
    }
  }
  return (
    <div class="preview">
      <form class="variables" aria-label="Variables" onSubmit={(e) => e.preventDefault()}>
        {fields.length === 0 ? <p>This version declares no variables.</p> : null}
        {fields.map((field) => {
          const inputId = `var-${field.name}`;
          const error = errors[field.name];
          const describedBy = [field.description ? `${inputId}-help` : '', error ? `${inputId}-error` : '']
            .join(' ')
            .trim();
          const common = {
            id: inputId,
            name: field.name,
            'aria-invalid': error ? true : undefined,
            'aria-describedby': describedBy || undefined,
          };
          return (
            <div class="field" key={field.name}>
              <label for={inputId}>
                {field.name}
                {field.required ? <span aria-hidden="true"> *</span> : null}{' '}
                <span class="muted">
                  ({field.type}
                  {field.required ? ', required' : ''})
                </span>
              </label>
              {field.control === 'checkbox' ? (
                <input
                  {...common}
                  type="checkbox"
                  checked={form[field.name] === true}
                  onChange={(e) => setForm({ ...form, [field.name]: e.currentTarget.checked })}
                />
              ) : field.control === 'number' ? (
                <input
                  {...common}
                  type="text"
                  inputMode="decimal"
                  value={String(form[field.name] ?? '')}
                  placeholder={field.placeholder}
                  onInput={(e) => setForm({ ...form, [field.name]: e.currentTarget.value })}
                />
              ) : (
                <textarea
                  {...common}
                  rows={2}
                  value={String(form[field.name] ?? '')}
                  placeholder={field.placeholder}
                  onInput={(e) => setForm({ ...form, [field.name]: e.currentTarget.value })}
                />
              )}
              {field.description ? (
                <p id={`${inputId}-help`} class="muted">
                  {field.description}
                </p>
              ) : null}
              {error ? (
                <p id={`${inputId}-error`} class="field-error">
                  {error}
                </p>
              ) : null}
            </div>
          );
        })}
      </form>
      <div class="rendered" aria-live="polite">
        <h3>Rendered</h3>
        {Object.keys(errors).length > 0 ? (
          <p class="muted">Fill in the required variables to see the rendered prompt.</p>
        ) : null}
        <ProblemView error={renderError} context="Render failed" />
        {typeof rendered === 'string' ? <pre class="rendered-text">{rendered}</pre> : null}
        {Array.isArray(rendered)
          ? rendered.map((m, i) => (
              <div class="message" key={`${m.role}-${i}`}>
                <p class="role">{m.role}</p>
                <pre class="rendered-text">{m.content}</pre>
              </div>
            ))
          : null}
      </div>
    </div>
  );
}
