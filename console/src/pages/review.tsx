/**
 * Review: versions waiting for an approval, and one version's change (its diff against the version
 * before it) with the approve action. The server enforces separation of duties (the author may not
 * approve); its refusal is shown as it answers, with what to do about it.
 */
import { useState } from 'preact/hooks';
import type { ApprovalResponse, DiffResponse, ListPage, VersionSummary } from '../../../src/core/api.ts';
import { ApiProblem, get, getActingAs, post, seg } from '../api.ts';
import { listPrompts, listVersions, versionDetails } from '../cache.ts';
import { Facts, Loading, Section, Time } from '../components/common.tsx';
import { ProblemView } from '../components/problem.tsx';
import { useLoad } from '../hooks.ts';
import { href } from '../logic/routes.ts';
import type { PageProps } from '../page.ts';
import { DiffSummary } from './prompts.tsx';

export function ReviewPage({ params, settings }: PageProps) {
  if (params.id && params.version)
    return (
      <ReviewVersion
        id={params.id}
        version={params.version}
        caller={settings.mode === 'local' ? (getActingAs() ?? settings.caller) : settings.caller}
      />
    );
  return <Pending />;
}

interface PendingVersion extends VersionSummary {
  readonly id: string;
}

/** The newest versions of every prompt that no one has approved yet. */
async function pendingVersions(): Promise<PendingVersion[]> {
  const prompts = await listPrompts();
  const pages = await Promise.all(
    prompts.map(async (p) => {
      const page = await get<ListPage<VersionSummary>>(`/prompts/${seg(p.id)}/versions`, { limit: '10' });
      return page.items.filter((v) => v.approvals.length === 0).map((v) => ({ ...v, id: p.id }));
    }),
  );
  return pages.flat().sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

function Pending() {
  const pending = useLoad(pendingVersions, []);
  return (
    <>
      <h1>Review</h1>
      <p>
        Versions without an approval (the ten newest of each prompt). Protected environments deploy approved
        versions only.
      </p>
      <ProblemView error={pending.error} />
      {pending.loading && !pending.data ? <Loading what="versions waiting for review" /> : null}
      {pending.data && pending.data.length === 0 ? <p>Nothing is waiting for review.</p> : null}
      {pending.data && pending.data.length > 0 ? (
        <div class="scroll">
          <table>
            <caption class="sr-only">Versions waiting for review</caption>
            <thead>
              <tr>
                <th scope="col">Prompt</th>
                <th scope="col">Version</th>
                <th scope="col">Author</th>
                <th scope="col">Published</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {pending.data.map((v) => (
                <tr key={`${v.id}@${v.version}`}>
                  <th scope="row">{v.id}</th>
                  <td>
                    <a href={href('/review/:id/:version', { id: v.id, version: v.version })}>
                      Review {v.version}
                    </a>
                  </td>
                  <td>{v.createdBy}</td>
                  <td>
                    <Time at={v.createdAt} />
                  </td>
                  <td>{v.message ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}

function ReviewVersion({ id, version, caller }: { id: string; version: string; caller: string }) {
  const versions = useLoad(() => listVersions(id), [id]);
  const summary = versions.data?.find((v) => v.version === version);
  const previous = versions.data
    ? versions.data[versions.data.findIndex((v) => v.version === version) + 1]
    : undefined;
  const details = useLoad(() => versionDetails(id, version), [id, version]);
  const diff = useLoad(
    () =>
      previous
        ? get<DiffResponse>(`/prompts/${seg(id)}/diff`, { from: previous.version, to: version })
        : Promise.resolve(undefined),
    [id, version, previous?.version],
  );
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok?: string; error?: unknown }>({});

  const approve = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setOutcome({});
    try {
      const { status, body } = await post<ApprovalResponse>(
        `/prompts/${seg(id)}/versions/${seg(version)}/approvals`,
        comment.trim() ? { comment: comment.trim() } : {},
      );
      setOutcome({
        ok: status === 201 ? `Approved by ${body.by}.` : `${body.by} had approved this version already.`,
      });
      versions.reload();
    } catch (error) {
      setOutcome({ error });
    } finally {
      setBusy(false);
    }
  };
  const selfApproval = outcome.error instanceof ApiProblem && outcome.error.problem.code === 'SELF_APPROVAL';
  return (
    <>
      <p class="crumbs">
        <a href={href('/review')}>Review</a> / <a href={href('/prompts/:id', { id })}>{id}</a> / {version}
      </p>
      <h1>
        Review {id} {version}
      </h1>
      <ProblemView error={versions.error ?? details.error} />
      {summary ? (
        <Facts
          items={[
            ['Author', summary.createdBy],
            ['Published', <Time at={summary.createdAt} key="t" />],
            ['Message', summary.message ?? '—'],
            [
              'Bump',
              details.data
                ? `${details.data.bump.level}${details.data.bump.reasons.length ? `: ${details.data.bump.reasons.join('; ')}` : ''}`
                : '…',
            ],
            [
              'Approvals',
              summary.approvals.length === 0
                ? 'none yet'
                : summary.approvals.map((a) => `${a.by}${a.comment ? ` (“${a.comment}”)` : ''}`).join(', '),
            ],
          ]}
        />
      ) : versions.loading ? (
        <Loading what="the version" />
      ) : versions.data ? (
        <p>
          No version {version} of {id}.
        </p>
      ) : null}
      <Section title={previous ? `Change from ${previous.version}` : 'The first version'} id="change">
        {previous ? null : <p>This is the first version of {id}: its whole document is new.</p>}
        <ProblemView error={diff.error} />
        {diff.data ? <DiffSummary diff={diff.data} id={id} /> : null}
        {!previous && details.data ? <pre class="rendered-text">{details.data.document}</pre> : null}
      </Section>
      <Section title="Approve" id="approve">
        <form onSubmit={approve}>
          <p>
            You approve as <strong>{caller}</strong>. The author of a version cannot approve it.
          </p>
          <div class="field">
            <label for="approval-comment">Comment (optional)</label>
            <textarea
              id="approval-comment"
              rows={2}
              value={comment}
              onInput={(e) => setComment(e.currentTarget.value)}
            />
          </div>
          <button type="submit" class="primary" disabled={busy || !summary}>
            {busy ? 'Approving…' : `Approve ${version}`}
          </button>
        </form>
        {outcome.ok ? (
          <p class="success" role="status">
            {outcome.ok}
          </p>
        ) : null}
        {selfApproval ? (
          <div class="separation" role="alert">
            <p>
              <strong>Separation of duties:</strong> you published {id} {version}, so you cannot approve it.
              Ask another reviewer to approve it.
            </p>
          </div>
        ) : null}
        <ProblemView error={outcome.error} context="Approval refused" />
      </Section>
    </>
  );
}
