/**
 * Compiles prompt bodies, with errors naming the file line of a bad section or template. The renderer
 * is generated code; the interpreter for runtimes that forbid code generation is passed in (prompt.ts
 * passes it always, the client loads it only when it is needed). The client compiles bodies that parse
 * with `compileValidPrompt` (compiled-prompt.ts) and loads this module only for the others.
 */
import {
  type CompiledPrompt,
  type CompilePromptInput,
  compiledPrompt,
  type RendererFallback,
} from './compiled-prompt.ts';
import { type PromptKind, parseBody, type Section } from './sections.ts';
import { compileProgram } from './template-compiler.ts';
import type { VariableSpecs } from './variables.ts';

export type {
  ChatMessage,
  CompiledPrompt,
  CompilePromptInput,
  RendererFallback,
  RenderOptions,
} from './compiled-prompt.ts';

/**
 * `compilePrompt` (prompt.ts) with the renderer for runtimes that forbid code generation left to
 * `fallback`. Without one it is undefined there: the client loads the interpreter only then.
 */
export function compilePromptWith(input: CompilePromptInput, fallback: RendererFallback): CompiledPrompt;
export function compilePromptWith(
  input: CompilePromptInput,
  fallback?: RendererFallback,
): CompiledPrompt | undefined;
export function compilePromptWith(
  input: CompilePromptInput,
  fallback?: RendererFallback,
): CompiledPrompt | undefined {
  const parsed = parseBody(input.body, input.bodyLine ?? 1);
  return compileSectionsWith(
    parsed.kind,
    parsed.sections,
    input.variables,
    parsed.positions.map((p) => p.contentLine),
    fallback,
  );
}

/** `compileSections` with the fallback renderer passed in, as in `compilePromptWith`. */
export function compileSectionsWith(
  kind: PromptKind,
  sections: readonly Section[],
  variables: VariableSpecs,
  contentLines: readonly number[],
  fallback: RendererFallback,
): CompiledPrompt;
export function compileSectionsWith(
  kind: PromptKind,
  sections: readonly Section[],
  variables: VariableSpecs,
  contentLines: readonly number[],
  fallback?: RendererFallback,
): CompiledPrompt | undefined;
export function compileSectionsWith(
  kind: PromptKind,
  sections: readonly Section[],
  variables: VariableSpecs,
  contentLines: readonly number[],
  fallback?: RendererFallback,
): CompiledPrompt | undefined {
  // Declared variables take the first slots, then any name the body uses undeclared.
  const program = compileProgram(
    sections.map((s, i) => ({ text: s.content, firstLine: contentLines[i] ?? 1 })),
    Object.keys(variables),
  );
  return compiledPrompt(
    kind,
    sections.map((s) => s.name),
    program,
    variables,
    fallback,
  );
}
