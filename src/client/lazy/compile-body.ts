/**
 * A core module the client loads lazily: the body's parser without messages (valid-body.ts), loaded
 * only for a version whose manifest entry carries no program (a manifest built without programs, a
 * body stored by reference, a version object), and behind it the compiler that words a body's errors.
 * Through load-path.ts it reaches the client's load path, so its chunk shares that one chunk
 * (load-path.ts).
 */
import '../load-path.ts';

import type { CompiledPrompt, CompilePromptInput, RendererBuilder } from '../../core/compiled-prompt.ts';
import { compileValidPrompt } from '../../core/valid-body.ts';

/** The compiled prompt of a body that parses; otherwise the compiler that words errors throws the error naming the line. */
export async function compileBody(
  input: CompilePromptInput,
  build: RendererBuilder,
): Promise<CompiledPrompt> {
  return compileValidPrompt(input, build) ?? (await import('./compiler.ts')).compilePromptWith(input, build);
}
