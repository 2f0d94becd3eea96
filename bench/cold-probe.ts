/**
 * A second esbuild entry next to the client for the `client-cold-get` breakdown: the two core
 * functions the client's first load runs (`parseManifest`, `compilePrompt`), bundled with the client
 * so they share its chunks, and timed one by one in a fresh process by `cold-get-child.mjs`.
 */
export { parseManifest } from '../src/core/manifest.ts';
export { compilePrompt } from '../src/core/prompt.ts';
