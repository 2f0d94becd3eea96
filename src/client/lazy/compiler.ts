/**
 * A core module the client loads lazily: the compiler that words a body's errors, loaded only for
 * a body the client's own compile rejects. Through load-path.ts it reaches the client's load path,
 * so its chunk shares that one chunk (load-path.ts).
 */
import '../load-path.ts';

export { compilePromptWith } from '../../core/prompt-compiler.ts';
