/**
 * Compiles prompts with a renderer always available: generated code where the runtime allows it, the
 * interpreter otherwise. The compiler itself is prompt-compiler.ts.
 */
import {
  type CompiledPrompt,
  type CompilePromptInput,
  compilePromptWith,
  compileSectionsWith,
} from './prompt-compiler.ts';
import type { PromptKind, Section } from './sections.ts';
import { interpretPromptRenderer } from './template-interpreter.ts';
import type { VariableSpecs } from './variables.ts';

export * from './prompt-compiler.ts';

export function compilePrompt(input: CompilePromptInput): CompiledPrompt {
  return compilePromptWith(input, interpretPromptRenderer);
}

export function compileSections(
  kind: PromptKind,
  sections: readonly Section[],
  variables: VariableSpecs,
  contentLines: readonly number[] = [],
): CompiledPrompt {
  return compileSectionsWith(kind, sections, variables, contentLines, interpretPromptRenderer);
}
