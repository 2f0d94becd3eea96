/**
 * Compiles prompt bodies, with errors naming the file line of a bad section or template. The renderer
 * builder is passed in: prompt.ts passes generated code with the interpreter where the runtime forbids
 * code generation, the client its interpreter that upgrades itself (src/client/renderer.ts). The client
 * compiles bodies that parse with `compileValidPrompt` (valid-body.ts) and loads this module only
 * for the others, for the error naming the line.
 */
import {
  type CompiledPrompt,
  type CompilePromptInput,
  compiledPrompt,
  type RendererBuilder,
} from './compiled-prompt.ts';
import { type PromptKind, parseBody, type Section } from './sections.ts';
import { compileProgram } from './template-compiler.ts';
import type { VariableSpecs } from './variables.ts';

export type {
  ChatMessage,
  CompiledPrompt,
  CompilePromptInput,
  RendererBuilder,
  RenderOptions,
} from './compiled-prompt.ts';

/** `compilePrompt` (prompt.ts) with the renderer built by `build`. */
export function compilePromptWith(input: CompilePromptInput, build: RendererBuilder): CompiledPrompt {
  const parsed = parseBody(input.body, input.bodyLine ?? 1);
  return compileSectionsWith(
    parsed.kind,
    parsed.sections,
    input.variables,
    parsed.positions.map((p) => p.contentLine),
    build,
  );
}

/** `compileSections` with the renderer built by `build`, as in `compilePromptWith`. */
export function compileSectionsWith(
  kind: PromptKind,
  sections: readonly Section[],
  variables: VariableSpecs,
  contentLines: readonly number[],
  build: RendererBuilder,
): CompiledPrompt {
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
    build,
  );
}
