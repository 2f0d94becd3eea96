/**
 * A core module the client loads lazily: the template interpreter, loaded only where the runtime
 * forbids code generation. Through load-path.ts it reaches the client's load path, so its chunk
 * shares that one chunk (load-path.ts).
 */
import '../load-path.ts';

export { interpretPromptRenderer } from '../../core/template-interpreter.ts';
