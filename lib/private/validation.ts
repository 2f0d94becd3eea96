/** Synth-time validation in the house style: every message names the construct path and the value. */
import type { IConstruct } from 'constructs';

/** Collects problems for one construct and throws them together. */
export class PropsValidator {
  private readonly problems: string[] = [];
  private readonly scope: IConstruct;

  constructor(scope: IConstruct) {
    this.scope = scope;
  }

  /** Records `message` (which should include the offending value) when `ok` is false. */
  check(ok: boolean, message: string): void {
    if (!ok) this.problems.push(message);
  }

  /** Throws one error listing every recorded problem, prefixed with the construct path. */
  throwIfAny(): void {
    if (this.problems.length === 0) return;
    throw new Error(
      `${this.scope.node.path}: ${this.problems.length === 1 ? this.problems[0] : `\n  - ${this.problems.join('\n  - ')}`}`,
    );
  }
}

/** `staging-eu` -> `StagingEu`: environment names as parts of construct ids and output names. */
export function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}
