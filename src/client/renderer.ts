/**
 * How the client renders a compiled prompt (docs/architecture.md, "The client's bundle"): with the
 * template interpreter from the first render, and, once a prompt has rendered `UPGRADE_AFTER_RENDERS`
 * times, with generated code (render-codegen.ts), loaded then by a dynamic import and compiled once
 * for that prompt. Both give the same output and the same errors (a differential test holds them
 * together), so a render is correct whichever runs. The code generator stays off the load path of
 * every app and is loaded only by one whose prompts are hot; where it cannot load, or the runtime
 * forbids code generation, the interpreter keeps rendering.
 */
import type { RendererBuilder } from '../core/compiled-prompt.ts';
import type { PromptRenderer } from '../core/render-codegen.ts';
import { interpretPromptRenderer } from '../core/template-interpreter.ts';

/**
 * Renders of one prompt after which its code is generated. Generating it takes tens of microseconds
 * and the module's first load about a millisecond, against under a microsecond saved per render: a
 * prompt that renders this often is one the process keeps rendering.
 */
export const UPGRADE_AFTER_RENDERS = 256;

let codegen: Promise<typeof import('./lazy/codegen.ts')> | undefined;

export const clientRenderer: RendererBuilder = (program, slots, checks, mode) => {
  let run: PromptRenderer = interpretPromptRenderer(program, slots, checks);
  let renders = 0;
  return (values, allowExtra, blocks) => {
    if (++renders === UPGRADE_AFTER_RENDERS) {
      codegen ??= import('./lazy/codegen.ts');
      codegen.then(
        (m) => {
          // Nothing escapes this callback: a generator that throws leaves the interpreter rendering
          // (a rejection here would be unhandled, which ends a Lambda runtime).
          try {
            run = m.compilePromptRenderer(program, slots, mode, checks) ?? run;
          } catch {}
        },
        // A module that cannot load is tried again by the next prompt to reach the count.
        () => {
          codegen = undefined;
        },
      );
    }
    return run(values, allowExtra, blocks);
  };
};
