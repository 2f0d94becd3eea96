/**
 * A second esbuild entry next to the client for the `client-cold-get` breakdown: the core functions
 * the client's first load runs (`parseManifest`; for each version `programOf` and `compiledPrompt`
 * with the interpreter, or `compilePrompt` of its body when it carries no program), bundled with the
 * client so they share its chunks, and timed one by one in a fresh process by `cold-get-child.mjs`.
 */
export { compiledPrompt } from '../src/core/compiled-prompt.ts';
export { parseManifest } from '../src/core/manifest.ts';
export { programOf } from '../src/core/manifest-program.ts';
export { compilePrompt } from '../src/core/prompt.ts';
export { interpretPromptRenderer } from '../src/core/template-interpreter.ts';
