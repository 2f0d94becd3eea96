/**
 * `npm start` (and `promptops dev`): runs PromptOps locally. Settings by environment variable:
 * PROMPTOPS_DATA_DIR (default .promptops), PROMPTOPS_PORT (default 4100; 0 picks free ports),
 * PROMPTOPS_TIME_SCALE (default 1; strategy durations, bakes and alarm periods are divided by it),
 * PROMPTOPS_SEED (default true; false skips publishing and deploying the examples on first start, as
 * `npm start -- --no-seed` does, so an archive can be imported into the empty stack),
 * PROMPTOPS_FAULTS (default none; store faults for manual checks, README.md "Fault injection").
 * SIGINT or SIGTERM stops it cleanly with exit 0 (package.json execs node, so npm's signals reach it).
 */
import { ENV } from '../src/core/contracts.ts';
import { parseSeedSetting, SEED_ENV } from '../src/local/seed.ts';

function usage(message: string): never {
  console.error(message);
  process.exit(2);
}

function setting(name: string, fallback: string, check: (value: number) => boolean, rule: string): number {
  const raw = process.env[name] ?? fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !check(value)) usage(`${name}=${JSON.stringify(raw)} is invalid: ${rule}`);
  return value;
}

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--no-seed');
if (unknown.length > 0)
  usage(
    `npm start: unknown option ${unknown.join(' ')} (the only one is --no-seed; settings are PROMPTOPS_* variables)`,
  );

const dataDir = process.env[ENV.dataDir] || '.promptops';
const port = setting(
  ENV.port,
  '4100',
  (v) => Number.isInteger(v) && v >= 0 && v <= 65_532,
  'use a port number (0 picks free ports)',
);
const timeScale = setting(
  ENV.timeScale,
  '1',
  (v) => Number.isFinite(v) && v > 0,
  'use a positive number, e.g. 60 to run a minute in a second',
);
let seed = true;
try {
  seed = !args.includes('--no-seed') && (parseSeedSetting(process.env[SEED_ENV]) ?? true);
} catch (error) {
  usage((error as Error).message);
}
// Only parsed (and its module loaded) when set: a bad spec stops here, naming the bad entry.
const faultSpec = process.env.PROMPTOPS_FAULTS ?? '';
let faults: import('../src/local/faults.ts').FaultSpec[] = [];
if (faultSpec.trim() !== '') {
  const { parseFaultSpec } = await import('../src/local/faults.ts');
  try {
    faults = parseFaultSpec(faultSpec);
  } catch (error) {
    usage((error as Error).message);
  }
}
// Handler logs are JSON for CloudWatch; locally one line per request says more.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

// Listening from the start: a signal while starting stops local mode as soon as it is up.
let stopRequested: string | undefined;
let stopNow: ((signal: string) => void) | undefined;
const onSignal = (signal: string) => {
  if (stopRequested) return;
  stopRequested = signal;
  stopNow?.(signal);
};
process.on('SIGINT', () => onSignal('SIGINT'));
process.on('SIGTERM', () => onSignal('SIGTERM'));

const started = performance.now();
const { startLocalMode } = await import('../src/local/local-mode.ts');
const local = await startLocalMode({
  dataDir,
  port,
  timeScale,
  seed,
  faults,
  log: (line) => console.log(`  ${line}`),
}).catch((error: unknown) => {
  console.error(
    `PromptOps local mode could not start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});

const stop = async (signal: string) => {
  console.log(`\n${signal}: stopping PromptOps local mode...`);
  await local.close();
  console.log('stopped; everything is kept in', dataDir);
  process.exit(0);
};
if (stopRequested) await stop(stopRequested);
stopNow = (signal) => void stop(signal);

const { endpoints } = local;
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const env = endpoints.environments[0];

console.log(`
PromptOps is running locally (ready in ${seconds} s; state in ${dataDir}, time scale ${timeScale})

  API        ${endpoints.api}
  Console    ${endpoints.console}
  Agent      ${endpoints.agent}/applications/${endpoints.application}/environments/${env}/configurations/${endpoints.profile}
  AppConfig  ${endpoints.appconfig}
  DynamoDB   ${endpoints.dynamodb}    S3 ${endpoints.s3}
  Endpoints  ${dataDir}/endpoints.json

Try:
  curl -s ${endpoints.api}/prompts
  curl -s ${endpoints.api}/environments/${env}
  curl -s ${endpoints.agent}/applications/${endpoints.application}/environments/${env}/configurations/${endpoints.profile}

Requests act as the x-promptops-user header (default local:developer). Ctrl-C stops.
`);
if (faults.length > 0)
  console.log(`!!! FAULT INJECTION IS ON (PROMPTOPS_FAULTS): store calls fail or stall on purpose !!!
${faults.map((f) => `  ${f.text}: ${f.mode} on ${f.service} ${f.command}, ${Number.isFinite(f.times) ? `the first ${f.times} call(s)` : 'every call'}${f.mode === 'delay' ? `, ${f.delayMs} ms` : ''}`).join('\n')}
Unset PROMPTOPS_FAULTS and restart for a normal local mode.
`);

// Built now, in the background, so the console's first page is quick; a no-op while its sources are unchanged.
const { ensureConsoleBuild } = await import('../src/local/console-assets.ts');
ensureConsoleBuild({ log: (line) => console.log(`  ${line}`) }).catch((error: unknown) =>
  console.error(
    `  the web console is not available: ${error instanceof Error ? error.message : String(error)}`,
  ),
);
