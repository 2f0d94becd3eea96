/**
 * Starts the AppConfig emulator in a temporary directory, with a controllable clock and a logger
 * that keeps its lines, and builds real SDK v3 clients pointed at it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfigClient } from '@aws-sdk/client-appconfig';
import { AppConfigDataClient } from '@aws-sdk/client-appconfigdata';
import {
  AppConfigEmulator,
  type AppConfigEmulatorOptions,
  type Logger,
} from '../../../src/local/appconfig/emulator.ts';

export const START = Date.parse('2026-03-01T09:00:00.000Z');

export interface ManualClock {
  now: number;
  readonly read: () => number;
  advance(ms: number): void;
}

export function manualClock(start = START): ManualClock {
  const clock = {
    now: start,
    read: () => clock.now,
    advance(ms: number) {
      clock.now += ms;
    },
  };
  return clock;
}

export interface RecordingLogger extends Logger {
  readonly lines: string[];
}

export function recordingLogger(): RecordingLogger {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
}

export async function tempDataDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'promptops-appconfig-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Defaults for tests: a manual clock, no background ticks (tests call tick()), a quiet logger. */
export function startEmulator(
  dataDir: string,
  options: Partial<AppConfigEmulatorOptions> = {},
): Promise<AppConfigEmulator> {
  return AppConfigEmulator.start({
    dataDir,
    tickIntervalMs: 3_600_000,
    logger: recordingLogger(),
    eventRetryDelaysMs: [1, 1],
    ...options,
  });
}

const clientConfig = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  maxAttempts: 1,
});

export function appConfigClient(emulator: AppConfigEmulator): AppConfigClient {
  return new AppConfigClient(clientConfig(emulator.url));
}

export function appConfigDataClient(emulator: AppConfigEmulator): AppConfigDataClient {
  return new AppConfigDataClient(clientConfig(emulator.url));
}

/** The bucket an AppConfigData token carries (its payload is base64url JSON before the signature). */
export function tokenBucket(token: string): number {
  const [body] = token.split('.');
  return (JSON.parse(Buffer.from(body ?? '', 'base64url').toString('utf8')) as { b: number }).b;
}

export function utf8(bytes: Uint8Array | undefined): string {
  return new TextDecoder().decode(bytes ?? new Uint8Array());
}

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
