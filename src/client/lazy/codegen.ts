/**
 * A core module the client loads lazily: the code generator, loaded by the first prompt rendered
 * `UPGRADE_AFTER_RENDERS` times (renderer.ts). Through load-path.ts it reaches the client's load
 * path, so its chunk shares that one chunk (load-path.ts).
 */
import '../load-path.ts';

export { compilePromptRenderer } from '../../core/render-codegen.ts';
