/** Small pieces every page uses. */
import type { ComponentChildren } from 'preact';

export function StateBadge({ state }: { readonly state: string }) {
  const tone =
    state === 'COMPLETE' || state === 'PASSED' || state === 'OK' || state === 'pass'
      ? 'good'
      : state === 'ROLLED_BACK' ||
          state === 'FAILED' ||
          state === 'ERROR' ||
          state === 'ALARM' ||
          state === 'fail'
        ? 'bad'
        : 'busy';
  return <span class={`badge ${tone}`}>{state}</span>;
}

export function Loading({ what }: { readonly what: string }) {
  return (
    <p class="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function Time({ at }: { readonly at: string | undefined }) {
  if (!at) return null;
  const date = new Date(at);
  return (
    <time dateTime={at} title={at}>
      {Number.isNaN(date.getTime()) ? at : date.toLocaleString()}
    </time>
  );
}

export function Section({
  title,
  children,
  id,
}: {
  readonly title: string;
  readonly children: ComponentChildren;
  readonly id?: string;
}) {
  return (
    <section class="card" aria-labelledby={id ? `${id}-title` : undefined}>
      <h2 id={id ? `${id}-title` : undefined}>{title}</h2>
      {children}
    </section>
  );
}

/** The two-column labels of a definition list. */
export function Facts({ items }: { readonly items: readonly (readonly [string, ComponentChildren])[] }) {
  return (
    <dl class="facts">
      {items.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
