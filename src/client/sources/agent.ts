/**
 * The AppConfig Agent Lambda extension: a local HTTP server that polls AppConfig and serves the
 * latest configuration. Plain node:http with a keep-alive agent, so no dependency is loaded. A
 * request is given up when the socket is idle for `timeoutMs` or when the caller's signal aborts.
 */
import { Agent, request } from 'node:http';
import { CLIENT_APPCONFIG } from '../../core/client-defaults.ts';
import type { ManifestSource, SourceTarget } from './source.ts';

/** The variable the extension sets to the port it listens on. */
export const AGENT_PORT_VARIABLE = 'AWS_APPCONFIG_EXTENSION_HTTP_PORT';
/** How long the socket may stay idle before the request is given up, unless the client says otherwise. */
const DEFAULT_TIMEOUT_MS = 5000;

export function defaultAgentUrl(): string {
  return `http://localhost:${process.env[AGENT_PORT_VARIABLE] || CLIENT_APPCONFIG.agentPort}`;
}

export class AgentSource implements ManifestSource {
  readonly description: string;
  readonly nextFetchAt = 0;
  readonly #url: URL;
  readonly #agent = new Agent({ keepAlive: true });
  readonly #timeoutMs: number;

  /** `baseUrl` is the agent's origin; the configuration path is appended. */
  constructor(target: SourceTarget, baseUrl = defaultAgentUrl(), timeoutMs = DEFAULT_TIMEOUT_MS) {
    this.#timeoutMs = timeoutMs;
    const [application, environment, profile] = [target.application, target.environment, target.profile].map(
      encodeURIComponent,
    );
    const path = `applications/${application}/environments/${environment}/configurations/${profile}`;
    this.#url = new URL(path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    if (this.#url.protocol !== 'http:') {
      throw new TypeError(`The agent URL must be http://, got ${JSON.stringify(baseUrl)}`);
    }
    this.description = `AppConfig Agent ${this.#url.href}`;
  }

  async fetch(signal?: AbortSignal): Promise<string> {
    try {
      return await this.#get(signal);
    } catch (error) {
      // A kept-alive socket the agent closed while the function was frozen: retry once on a new one.
      if ((error as { reused?: boolean }).reused && (error as NodeJS.ErrnoException).code === 'ECONNRESET') {
        return this.#get(signal);
      }
      throw error;
    }
  }

  #get(signal: AbortSignal | undefined): Promise<string> {
    const timeout = this.#timeoutMs;
    return new Promise((resolve, reject) => {
      const options = { agent: this.#agent, timeout, ...(signal ? { signal } : {}) };
      const req = request(this.#url, options, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('error', reject);
        res.on('end', () => {
          if (res.statusCode === 200) resolve(text);
          else reject(new Error(`the agent answered HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`the agent did not answer within ${timeout} ms`)));
      req.on('error', (error) => reject(Object.assign(error, { reused: req.reusedSocket })));
      req.end();
    });
  }

  reset(): void {}
}
