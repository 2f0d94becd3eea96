/**
 * Fault injection on an AWS SDK client's middleware stack: a chosen call can be delayed, fail before
 * it reaches the store, or fail after the store committed it (a timeout answered after the write was
 * applied), as a slow or failing DynamoDB or S3 would. The integration tests inject faults directly;
 * local mode takes them from PROMPTOPS_FAULTS (README.md, "Local mode", "Fault injection").
 */
import { randomBytes } from 'node:crypto';
import * as appconfigCommands from '@aws-sdk/client-appconfig';
import * as dynamodbCommands from '@aws-sdk/client-dynamodb';
import * as s3Commands from '@aws-sdk/client-s3';

export type FaultMode =
  /** The call never reaches the store. */
  | 'fail-before'
  /** The store applies the call, then the caller sees an error. */
  | 'fail-after-commit'
  /** The call reaches the store `delayMs` late. */
  | 'delay';

export const FAULT_MODES: readonly FaultMode[] = ['fail-before', 'fail-after-commit', 'delay'];

export interface Fault {
  /** Which calls: the client's command name (`PutItemCommand`, `UpdateItemCommand`, ...; the document client's commands go by these) and its input. */
  readonly matches: (command: string, input: Record<string, unknown>) => boolean;
  readonly mode: FaultMode;
  /** How many matching calls are hit (`Infinity`: every one). @default 1 */
  readonly times?: number;
  /** For `delay`. @default 100 */
  readonly delayMs?: number;
  /** Told of every hit, with the command and the hit's number (1 for the first). @default none */
  readonly onHit?: (command: string, hit: number) => void;
}

export interface InjectedFault {
  /** Matching calls hit so far. */
  readonly hits: () => number;
  remove(): void;
}

/** An SDK client, or the document client (which shares its client's stack). */
export interface MiddlewareStackOwner {
  middlewareStack: {
    add: (middleware: never, options: { step: 'initialize'; name: string }) => void;
    remove: (name: string) => boolean;
  };
}

export const DEFAULT_DELAY_MS = 100;

/** The error an SDK call that timed out throws. */
function timeout(): Error {
  return Object.assign(new Error('The operation was aborted'), { name: 'TimeoutError' });
}

export function injectFault(client: MiddlewareStackOwner, fault: Fault): InjectedFault {
  const name = `fault-${randomBytes(4).toString('hex')}`;
  const times = fault.times ?? 1;
  let hits = 0;
  const middleware = ((next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
    async (args: { input: Record<string, unknown> }) => {
      const command = context.commandName ?? '';
      if (hits >= times || !fault.matches(command, args.input)) return next(args);
      hits++;
      fault.onHit?.(command, hits);
      if (fault.mode === 'fail-before') throw timeout();
      if (fault.mode === 'delay') {
        await new Promise((resolve) => setTimeout(resolve, fault.delayMs ?? DEFAULT_DELAY_MS));
        return next(args);
      }
      await next(args);
      throw timeout();
    }) as never;
  client.middlewareStack.add(middleware, { step: 'initialize', name });
  return { hits: () => hits, remove: () => void client.middlewareStack.remove(name) };
}

/** The SDK clients local mode's handlers use, by the name a fault spec gives them. */
export type FaultService = 'dynamodb' | 's3' | 'appconfig';

/** Each service's command names (`PutItemCommand`, ...), from the SDK package's own exports. */
const COMMANDS: Readonly<Record<FaultService, ReadonlySet<string>>> = {
  dynamodb: commandNames(dynamodbCommands),
  s3: commandNames(s3Commands),
  appconfig: commandNames(appconfigCommands),
};

function commandNames(sdk: Record<string, unknown>): ReadonlySet<string> {
  return new Set(
    Object.keys(sdk).filter((name) => name.endsWith('Command') && typeof sdk[name] === 'function'),
  );
}

/** One entry of a fault spec, parsed. */
export interface FaultSpec {
  readonly mode: FaultMode;
  readonly service: FaultService;
  /** The SDK command name, e.g. `UpdateItemCommand`. */
  readonly command: string;
  /** The first `times` matching calls are hit. @default Infinity (every one) */
  readonly times: number;
  /** For `delay`. @default 100 */
  readonly delayMs: number;
  /** The entry as written, for messages. */
  readonly text: string;
}

/** A fault spec that cannot be parsed; the message names the entry and the part. */
export class FaultSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaultSpecError';
  }
}

const INTEGER = /^\d+$/;

/**
 * Parses `<mode>:<service>:<Command>[:<times>][:<delayMs>]` entries separated by commas, e.g.
 * `fail-after-commit:dynamodb:UpdateItem:3,delay:s3:PutObject::500`. An empty spec is no fault.
 * `source` names where the spec came from in messages (the variable's name).
 */
export function parseFaultSpec(spec: string, source = 'PROMPTOPS_FAULTS'): FaultSpec[] {
  if (spec.trim() === '') return [];
  const services = Object.keys(COMMANDS) as FaultService[];
  return spec.split(',').map((raw, index) => {
    const text = raw.trim();
    const fail = (problem: string): never => {
      throw new FaultSpecError(
        `${source} entry ${index + 1} (${JSON.stringify(text)}): ${problem}; an entry is <mode>:<service>:<Command>[:<times>][:<delayMs>], e.g. fail-after-commit:dynamodb:UpdateItem:3`,
      );
    };
    if (text === '') fail('the entry is empty');
    const parts = text.split(':').map((part) => part.trim());
    if (parts.length < 3) fail('it needs at least a mode, a service and a command');
    if (parts.length > 5) fail(`it has ${parts.length} parts, at most 5`);
    const [mode = '', service = '', commandPart = '', timesPart = '', delayPart = ''] = parts;
    if (!FAULT_MODES.includes(mode as FaultMode))
      fail(`unknown mode ${JSON.stringify(mode)}: use ${FAULT_MODES.join(', ')}`);
    if (!services.includes(service as FaultService))
      fail(`unknown service ${JSON.stringify(service)}: use ${services.join(', ')}`);
    const command = commandPart.endsWith('Command') ? commandPart : `${commandPart}Command`;
    if (!COMMANDS[service as FaultService].has(command))
      fail(
        `${service} has no command ${JSON.stringify(commandPart)}: use an SDK command name such as ${service === 's3' ? 'PutObject' : service === 'appconfig' ? 'StartDeployment' : 'PutItem'}`,
      );
    let times = Number.POSITIVE_INFINITY;
    if (timesPart !== '') {
      if (!INTEGER.test(timesPart) || Number(timesPart) < 1)
        fail(
          `times ${JSON.stringify(timesPart)} is not a whole number of at least 1 (leave it empty for every call)`,
        );
      times = Number(timesPart);
    }
    let delayMs = DEFAULT_DELAY_MS;
    if (delayPart !== '') {
      if (mode !== 'delay') fail(`delayMs ${JSON.stringify(delayPart)} is for the delay mode only`);
      if (!INTEGER.test(delayPart) || Number(delayPart) > 600_000)
        fail(`delayMs ${JSON.stringify(delayPart)} is not a whole number of milliseconds from 0 to 600000`);
      delayMs = Number(delayPart);
    }
    return { mode: mode as FaultMode, service: service as FaultService, command, times, delayMs, text };
  });
}

/** Puts `specs` on the clients; each hit is told to `onHit`. */
export function injectFaultSpecs(
  specs: readonly FaultSpec[],
  clients: Readonly<Record<FaultService, MiddlewareStackOwner>>,
  onHit: (spec: FaultSpec, hit: number) => void,
): InjectedFault[] {
  return specs.map((spec) =>
    injectFault(clients[spec.service], {
      mode: spec.mode,
      times: spec.times,
      delayMs: spec.delayMs,
      matches: (command) => command === spec.command,
      onHit: (_command, hit) => onHit(spec, hit),
    }),
  );
}
