/**
 * The default source: the AppConfig Agent when its extension is there (its port variable is set or
 * the port answers), otherwise the AppConfigData API.
 */
import '../load-path.ts';
import { connect } from 'node:net';
import type { AppConfigDataClient } from '@aws-sdk/client-appconfigdata';
import { CLIENT_APPCONFIG } from '../../core/client-contract.ts';
import { AGENT_PORT_VARIABLE, AgentSource } from './agent.ts';
import type { ManifestSource, SourceTarget } from './source.ts';

const PROBE_TIMEOUT_MS = 200;

/** True when something accepts TCP connections on localhost:`port`. */
export function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: 'localhost' });
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function chooseDefaultSource(
  target: SourceTarget,
  pollIntervalSeconds: number,
  client?: AppConfigDataClient,
  agentPort: number = CLIENT_APPCONFIG.agentPort,
  timeoutMs?: number,
): Promise<ManifestSource> {
  const port = process.env[AGENT_PORT_VARIABLE];
  if (port) return new AgentSource(target, `http://localhost:${port}`, timeoutMs);
  if (await portAnswers(agentPort)) {
    return new AgentSource(target, `http://localhost:${agentPort}`, timeoutMs);
  }
  const { SdkSource } = await import('./sdk.ts');
  return new SdkSource(target, client, pollIntervalSeconds, timeoutMs);
}
