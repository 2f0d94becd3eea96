/**
 * The prompt template language (template-compiler.ts) with its interpreter (template-interpreter.ts):
 * `compileTemplate` compiles one template and renders it by running the program.
 */
import { compileProgram } from './template-compiler.ts';
import { runProgram } from './template-interpreter.ts';
import type { TemplateVariables } from './variables.ts';

export * from './template-compiler.ts';
export { runProgram } from './template-interpreter.ts';

export interface CompiledTemplate {
  /** Names used by the template, in order of first use. */
  readonly variables: readonly string[];
  /**
   * Renders with `values`, falling back to `defaults` for names not given (null or undefined).
   * Leading blank lines and trailing whitespace of the output are dropped.
   */
  render(values: TemplateVariables, defaults?: TemplateVariables): string;
}

export function compileTemplate(text: string, firstLine = 1): CompiledTemplate {
  const program = compileProgram([{ text, firstLine }]);
  const variables = program.slots;
  return {
    variables,
    render(values, defaults = {}) {
      const slots = variables.map((name) => {
        const given = Object.hasOwn(values, name) ? values[name] : undefined;
        return given ?? (Object.hasOwn(defaults, name) ? defaults[name] : undefined);
      });
      return runProgram(program, slots);
    },
  };
}
