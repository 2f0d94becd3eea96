/** What `render` throws for a bad value: the client's render path bundles these alone (with error-base.ts). */
import { describeValue, ValidationError } from './error-base.ts';

export class MissingVariableError extends ValidationError {
  declare readonly variable: string;
  constructor(variable: string) {
    super(`Missing required variable "${variable}": pass it to render() or give it a default`, [
      { path: variable, message: 'required variable is missing' },
    ]);
    this.name = 'MissingVariableError';
    this.variable = variable;
  }
}

export class UnknownVariableError extends ValidationError {
  declare readonly variable: string;
  constructor(variable: string, known: readonly string[]) {
    super(
      `Unknown variable "${variable}": the prompt declares ${known.length ? known.map((k) => `"${k}"`).join(', ') : 'no variables'}; remove it or render with { allowExtra: true }`,
      [{ path: variable, message: 'variable is not declared by the prompt' }],
    );
    this.name = 'UnknownVariableError';
    this.variable = variable;
  }
}

export class VariableTypeError extends ValidationError {
  declare readonly variable: string;
  constructor(variable: string, expected: string, actual: unknown) {
    super(`Variable "${variable}" must be a ${expected}, got ${describeValue(actual)}`, [
      { path: variable, message: `must be a ${expected}` },
    ]);
    this.name = 'VariableTypeError';
    this.variable = variable;
  }
}
