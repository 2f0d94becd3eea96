/**
 * A compiled prompt: sections compiled once, rendered many times with strict variable checks.
 * Used by the client library on every request, so render does no parsing and little allocation.
 */
import { MissingVariableError, UnknownVariableError } from './errors.ts';
import { compilePromptRenderer, type PromptRenderer } from './render-codegen.ts';
import { type ChatRole, type PromptKind, parseBody, type Section } from './sections.ts';
import { compileProgram, runProgram } from './template.ts';
import {
  assertValueType,
  type TemplateValue,
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

export function compilePrompt(input: CompilePromptInput): CompiledPrompt {
  const parsed = parseBody(input.body, input.bodyLine ?? 1);
  return compileSections(
    parsed.kind,
    parsed.sections,
    input.variables,
    parsed.positions.map((p) => p.contentLine),
  );
}

export function compileSections(
  kind: PromptKind,
  sections: readonly Section[],
  variables: VariableSpecs,
  contentLines: readonly number[] = [],
): CompiledPrompt {
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
  const defaults: TemplateValue[] = specs.map((spec) => spec?.default);
  const requiredSlots = specs.flatMap((spec, slot) =>
    spec?.required && spec.default === undefined ? [slot] : [],
  );

  const check = (name: string, spec: VariableSpec | undefined, value: unknown) =>
    // Undeclared names (used by the body only) still must be text-like: rendering calls no user code.
    assertValueType(name, spec?.type ?? 'string', value);

  /**
   * Checks the values and places them in slots, defaults first. Unknown names are reported first,
   * then types, then missing required variables, as the generated renderer does.
   */
  const fill = (values: TemplateVariables, allowExtra: boolean): TemplateValue[] => {
    if (!allowExtra) {
      for (const name in values)
        if (!slotIndex.has(name)) throw new UnknownVariableError(name, variableNames);
    }
    const slots = defaults.slice();
    for (let slot = 0; slot < variableNames.length; slot++) {
      const value = values[variableNames[slot] as string];
      if (value === undefined || value === null) continue;
      const spec = specs[slot];
      if (spec?.type !== 'string' || typeof value !== 'string')
        check(variableNames[slot] as string, spec, value);
      slots[slot] = value;
    }
    for (let i = 0; i < requiredSlots.length; i++) {
      const slot = requiredSlots[i] as number;
      const value = slots[slot];
      if (value === undefined || value === null)
        throw new MissingVariableError(variableNames[slot] as string);
    }
    return slots;
  };

  // One generated function reading, checking and rendering the values where the runtime allows code
  // generation; the interpreter otherwise.
  const mode = kind === 'chat' ? 'blocks' : 'text';
  const generated = compilePromptRenderer(
    program,
    variableNames.map((name, slot) => {
      const spec = specs[slot];
      return spec
        ? {
            name,
            type: spec.type,
            required: spec.required,
            ...(spec.default !== undefined ? { default: spec.default } : {}),
          }
        : { name, required: false };
    }),
    mode,
    {
      unknown(values) {
        for (const name in values)
          if (!slotIndex.has(name)) throw new UnknownVariableError(name, variableNames);
      },
      type: (slot, value) => check(variableNames[slot] as string, specs[slot], value),
      missing(slot): never {
        throw new MissingVariableError(variableNames[slot] as string);
      },
    },
  );
  const run: PromptRenderer =
    generated ?? ((values, allowExtra, blocks) => runProgram(program, fill(values, allowExtra), blocks));

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
