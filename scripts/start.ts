/**
 * `npm start` (and `promptops dev`): runs PromptOps locally. Settings by environment variable:
 * PROMPTOPS_DATA_DIR (default .promptops), PROMPTOPS_PORT (default 4100; 0 picks free ports),
 * PROMPTOPS_TIME_SCALE (default 1; strategy durations, bakes and alarm periods are divided by it).
 */
import { ENV } from '../src/core/contracts.ts';

function setting(name: string, fallback: string, check: (value: number) => boolean, rule: string): number {
  const raw = process.env[name] ?? fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !check(value)) {
    console.error(`${name}=${JSON.stringify(raw)} is invalid: ${rule}`);
    process.exit(2);
  }
  return value;
}

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
// Handler logs are JSON for CloudWatch; locally one line per request says more.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

const started = performance.now();
const { startLocalMode } = await import('../src/local/local-mode.ts');
const local = await startLocalMode({
  dataDir,
  port,
  timeScale,
  log: (line) => console.log(`  ${line}`),
}).catch((error: unknown) => {
  console.error(
    `PromptOps local mode could not start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
const { endpoints } = local;
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const env = endpoints.environments[0];

console.log(`
PromptOps is running locally (ready in ${seconds} s; state in ${dataDir}, time scale ${timeScale})

  API        ${endpoints.api}
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

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping PromptOps local mode...`);
  await local.close();
  console.log('stopped; everything is kept in', dataDir);
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
