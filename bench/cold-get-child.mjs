/**
 * One fresh process of the `client-cold-get` bench (see client-cold.ts), run with plain `node`
 * against the esbuild bundle: argv is mode, bundle directory, agent origin, application, environment,
 * profile, prompt id. Prints one JSON line of milliseconds.
 *
 * - `get`: imports the client bundle (import), then the first `await prompts.get(id)` against the
 *   agent (get: fetch + parse + verify + compile + the client's own work).
 * - `steps`: the same pieces one at a time, each cold in this process: a raw GET of the agent URL
 *   with node:http and a keep-alive agent as the client's agent source does (fetch), `JSON.parse`
 *   plus the core `parseManifest` check (parse), every version made ready to render (compile): its
 *   carried program checked (`programOf`) and wrapped (`compiledPrompt`), or its body compiled.
 */
import { Agent, request } from 'node:http';
import { pathToFileURL } from 'node:url';

const [mode, bundleDir, origin, application, environment, profile, id] = process.argv.slice(2);
const ms = (from) => performance.now() - from;

if (mode === 'get') {
  let t = performance.now();
  const { PromptClient } = await import(pathToFileURL(`${bundleDir}/client.mjs`).href);
  const importMs = ms(t);
  t = performance.now();
  const prompts = new PromptClient({
    application,
    environment,
    profile,
    source: { type: 'agent', url: origin },
    logger: { warn: (message) => process.stderr.write(`${message}\n`) },
  });
  const prompt = await prompts.get(id);
  const getMs = ms(t);
  if (typeof prompt.render !== 'function') throw new Error('no prompt');
  console.log(JSON.stringify({ import: importMs, get: getMs }));
  process.exit(0);
} else if (mode === 'steps') {
  const { parseManifest, compilePrompt, programOf, compiledPrompt, interpretPromptRenderer } = await import(
    pathToFileURL(`${bundleDir}/cold-probe.mjs`).href
  );
  const url = new URL(
    `applications/${encodeURIComponent(application)}/environments/${encodeURIComponent(environment)}/configurations/${encodeURIComponent(profile)}`,
    `${origin}/`,
  );
  let t = performance.now();
  const text = await new Promise((resolve, reject) => {
    const req = request(url, { agent: new Agent({ keepAlive: true }) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('error', reject);
      res.on('end', () =>
        res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
  const fetchMs = ms(t);
  t = performance.now();
  const manifest = parseManifest(JSON.parse(text));
  const parseMs = ms(t);
  t = performance.now();
  let compiled = 0;
  for (const prompt of Object.values(manifest.prompts)) {
    for (const entry of prompt.variants ?? [prompt]) {
      // The program the manifest carries, as the client takes it; the body only without one.
      const carried = programOf(entry.program, entry.kind === 'chat');
      if (carried)
        compiledPrompt(entry.kind, carried.roles, carried.program, entry.variables, interpretPromptRenderer);
      else compilePrompt({ body: entry.body, variables: entry.variables });
      compiled++;
    }
  }
  const compileMs = ms(t);
  if (compiled === 0) throw new Error('nothing compiled');
  console.log(JSON.stringify({ fetch: fetchMs, parse: parseMs, compile: compileMs }));
  process.exit(0);
} else {
  throw new Error(`unknown mode ${mode}`);
}
