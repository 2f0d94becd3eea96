/**
 * A compiled prompt: sections compiled once, rendered many times with strict variable checks.
 * Used by the client library on every request, so render does no parsing and little allocation.
 * This module turns a template program into the prompt's renderer, with the renderer builder the
 * caller passes (generated code, the interpreter, or the client's interpreter that upgrades itself to
 * generated code, docs/architecture.md), from a program compiled from a body (`compileValidPrompt`,
 * valid-body.ts; `compilePromptWith`, prompt-compiler.ts, the one that words errors) or carried by the
 * manifest (manifest-program.ts).
 */

import type { PromptRenderer, RenderChecks, RenderMode, SlotSpec } from './render-codegen.ts';
import type { ChatRole, PromptKind } from './section-split.ts';
import type { TemplateProgram } from './template-tree.ts';
import { MissingVariableError, UnknownVariableError } from './variable-errors.ts';
import { assertValueType, type TemplateVariables, type VariableSpecs } from './variables.ts';

export interface ChatMessage {
  readonly role: ChatRole;
  readonly content: string;
}

export interface RenderOptions {
  /** Accept variables the prompt does not declare instead of throwing `UnknownVariableError`. */
  readonly allowExtra?: boolean;
}

export interface CompiledPrompt {
  readonly kind: PromptKind;
  /** Every variable the prompt knows: declared ones and any used in the body. */
  readonly variableNames: readonly string[];
  render(values?: TemplateVariables, options?: RenderOptions): string | ChatMessage[];
}

export interface CompilePromptInput {
  readonly body: string;
  readonly variables: VariableSpecs;
  /** File line of the body's first line, for error messages. */
  readonly bodyLine?: number;
}

/**
 * Builds a prompt's renderer from its program: `interpretPromptRenderer` (template-interpreter.ts),
 * `compilePromptRenderer` (render-codegen.ts, where the runtime allows code generation), or the
 * client's `clientRenderer` (src/client/renderer.ts). `mode` is `blocks` for a chat prompt.
 */
export type RendererBuilder = (
  program: TemplateProgram,
  slots: readonly SlotSpec[],
  checks: RenderChecks,
  mode: RenderMode,
) => PromptRenderer;

/** The prompt of a compiled program whose blocks are the sections `names`, rendered by what `build` builds. */
export function compiledPrompt(
  kind: PromptKind,
  names: readonly string[],
  program: TemplateProgram,
  variables: VariableSpecs,
  build: RendererBuilder,
): CompiledPrompt {
  const variableNames = program.slots;
  const slotIndex = new Map(variableNames.map((name, slot) => [name, slot]));
  // Every renderer reads, checks and renders the values with these checks, in the same order.
  const slots: SlotSpec[] = variableNames.map((name) => ({
    name,
    required: false,
    ...(Object.hasOwn(variables, name) ? variables[name] : undefined),
  }));
  const checks: RenderChecks = {
    unknown(values) {
      for (const name in values)
        if (!slotIndex.has(name)) throw new UnknownVariableError(name, variableNames);
    },
    // Undeclared names (used by the body only) still must be text-like: rendering calls no user code.
    type: (slot, value) => {
      const { name, type } = slots[slot] as SlotSpec;
      assertValueType(name, type ?? 'string', value);
    },
    missing(slot): never {
      throw new MissingVariableError(variableNames[slot] as string);
    },
  };
  const run = build(program, slots, checks, kind === 'chat' ? 'blocks' : 'text');

  if (kind === 'chat') {
    const roles = names as readonly ChatRole[];
    return {
      kind,
      variableNames,
      render(values = {}, options) {
        const outputs: string[] = [];
        run(values, options?.allowExtra === true, outputs);
        const messages: ChatMessage[] = [];
        outputs.forEach((content, i) => {
          if (content !== '') messages.push({ role: roles[i] as ChatRole, content });
        });
        return messages;
      },
    };
  }
  return {
    kind,
    variableNames,
    render: (values = {}, options) => run(values, options?.allowExtra === true),
  };
}
