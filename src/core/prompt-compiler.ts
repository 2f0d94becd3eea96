/**
 * A compiled prompt: sections compiled once, rendered many times with strict variable checks.
 * Used by the client library on every request, so render does no parsing and little allocation.
 * The renderer is generated code; the interpreter for runtimes that forbid code generation is passed
 * in (prompt.ts passes it always, the client loads it only when it is needed).
 */
import { MissingVariableError, UnknownVariableError } from './errors.ts';
import {
  compilePromptRenderer,
  type PromptRenderer,
  type RenderChecks,
  type SlotSpec,
} from './render-codegen.ts';
import { type ChatRole, type PromptKind, parseBody, type Section } from './sections.ts';
import { compileProgram, type TemplateProgram } from './template-compiler.ts';
import {
  assertValueType,
  type TemplateVariables,
  type VariableSpec,
  type VariableSpecs,
} from './variables.ts';

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
 * Builds a prompt's renderer where the runtime forbids code generation: `interpretPromptRenderer`
 * (template-interpreter.ts).
 */
export type RendererFallback = (
  program: TemplateProgram,
  slots: readonly SlotSpec[],
  checks: RenderChecks,
) => PromptRenderer;

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
  const variableNames = program.slots;
  const slotIndex = new Map(variableNames.map((name, slot) => [name, slot]));
  const specs: (VariableSpec | undefined)[] = variableNames.map((name) =>
    Object.hasOwn(variables, name) ? variables[name] : undefined,
  );

  const check = (name: string, spec: VariableSpec | undefined, value: unknown) =>
    // Undeclared names (used by the body only) still must be text-like: rendering calls no user code.
    assertValueType(name, spec?.type ?? 'string', value);

  // One generated function reading, checking and rendering the values where the runtime allows code
  // generation; the fallback (the interpreter, with the same checks) otherwise.
  const slots: SlotSpec[] = variableNames.map((name, slot) => {
    const spec = specs[slot];
    return spec
      ? {
          name,
          type: spec.type,
          required: spec.required,
          ...(spec.default !== undefined ? { default: spec.default } : {}),
        }
      : { name, required: false };
  });
  const checks: RenderChecks = {
    unknown(values) {
      for (const name in values)
        if (!slotIndex.has(name)) throw new UnknownVariableError(name, variableNames);
    },
    type: (slot, value) => check(variableNames[slot] as string, specs[slot], value),
    missing(slot): never {
      throw new MissingVariableError(variableNames[slot] as string);
    },
  };
  const run =
    compilePromptRenderer(program, slots, kind === 'chat' ? 'blocks' : 'text', checks) ??
    fallback?.(program, slots, checks);
  if (run === undefined) return undefined;

  if (kind === 'chat') {
    const roles = sections.map((s) => s.name as ChatRole);
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
