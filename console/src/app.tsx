/** The console's shell: the navigation from the page list, the caller, and the page the hash names. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ConsoleSettings } from '../../src/core/console-contract.ts';
import { getActingAs, setActingAs } from './api.ts';
import { hashPath, matchPath } from './logic/routes.ts';
import { PAGES } from './pages/index.ts';

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onChange = () => setHash(location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

function Caller({ settings }: { settings: ConsoleSettings }) {
  const [user, setUser] = useState(getActingAs() ?? '');
  if (settings.mode !== 'local')
    return (
      <p class="caller">
        Signed with <strong>{settings.caller}</strong> → {settings.endpoint}
      </p>
    );
  return (
    <form
      class="caller"
      onSubmit={(e) => {
        e.preventDefault();
        setActingAs(user);
        // Everything on screen was read as the previous caller.
        window.dispatchEvent(new HashChangeEvent('hashchange'));
      }}
    >
      <label>
        Acting as (local mode){' '}
        <input
          type="text"
          name="acting-as"
          value={user}
          placeholder={settings.caller}
          onInput={(e) => setUser(e.currentTarget.value)}
        />
      </label>{' '}
      <button type="submit">Switch user</button>
    </form>
  );
}

export function App({ settings }: { settings: ConsoleSettings }) {
  const hash = useHash();
  const [actingAs, setCaller] = useState(getActingAs());
  useEffect(() => setCaller(getActingAs()), [hash]);
  const { path, query } = hashPath(hash);
  let found: { page: (typeof PAGES)[number]; params: Readonly<Record<string, string>> } | undefined;
  for (const page of PAGES) {
    const match = matchPath(page.routes, path);
    if (match) {
      found = { page, params: match.params };
      break;
    }
  }
  const page = found?.page ?? PAGES[0];
  const firstPath = useRef(path);
  useEffect(() => {
    document.title = `${page?.title ?? 'Console'} · PromptOps`;
    // After navigating, focus moves to the new content, so keyboard and screen reader users land on it.
    if (path !== firstPath.current) document.getElementById('main')?.focus({ preventScroll: true });
    firstPath.current = '';
  }, [page, path]);
  if (!page) return null;
  const Page = page.component;
  return (
    <>
      <button type="button" class="skip" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <header class="top">
        <p class="brand">PromptOps</p>
        <nav aria-label="Console">
          <ul>
            {PAGES.map((p) => (
              <li key={p.path}>
                <a href={`#${p.path}`} aria-current={p === page ? 'page' : undefined}>
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <Caller key={actingAs ?? ''} settings={settings} />
      </header>
      <main id="main" tabIndex={-1}>
        <Page
          key={`${path}|${actingAs ?? ''}`}
          params={found?.params ?? {}}
          query={query}
          settings={settings}
        />
      </main>
    </>
  );
}
