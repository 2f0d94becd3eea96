/**
 * Compiles prompts with a renderer always available: generated code where the runtime allows it, the
 * interpreter otherwise. The compiler itself is prompt-compiler.ts.
 */
import {
  type CompiledPrompt,
  type CompilePromptInput,
  compilePromptWith,
  compileSectionsWith,
  type RendererBuilder,
} from './prompt-compiler.ts';
import { compilePromptRenderer } from './render-codegen.ts';
import type { PromptKind, Section } from './sections.ts';
import { interpretPromptRenderer } from './template-interpreter.ts';
import type { VariableSpecs } from './variables.ts';

export * from './prompt-compiler.ts';

/** Generated code where the runtime allows it, the interpreter (with the same checks) otherwise. */
export const generatedRenderer: RendererBuilder = (program, slots, checks, mode) =>
  compilePromptRenderer(program, slots, mode, checks) ?? interpretPromptRenderer(program, slots, checks);

export function compilePrompt(input: CompilePromptInput): CompiledPrompt {
  return compilePromptWith(input, generatedRenderer);
}

export function compileSections(
  kind: PromptKind,
  sections: readonly Section[],
  variables: VariableSpecs,
  contentLines: readonly number[] = [],
): CompiledPrompt {
  return compileSectionsWith(kind, sections, variables, contentLines, generatedRenderer);
}
