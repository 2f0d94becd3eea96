/**
 * A compiled prompt: sections compiled once, rendered many times with strict variable checks.
 * Used by the client library on every request, so render does no parsing and little allocation.
 */
import { MissingVariableError, UnknownVariableError } from './errors.ts';
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

  /** Checks the values and places them in slots, defaults first. */
  const fill = (values: TemplateVariables, options?: RenderOptions): TemplateValue[] => {
    const slots = defaults.slice();
    for (const name in values) {
      const slot = slotIndex.get(name);
      if (slot === undefined) {
        if (options?.allowExtra) continue;
        throw new UnknownVariableError(name, variableNames);
      }
      const value = values[name];
      if (value === undefined || value === null) continue;
      const spec = specs[slot];
      // Undeclared names (used by the body only) still must be text-like: rendering calls no user code.
      if (spec === undefined) assertValueType(name, 'string', value);
      else if (spec.type !== 'string' || typeof value !== 'string') assertValueType(name, spec.type, value);
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

  if (kind === 'chat') {
    const roles = sections.map((s) => s.name as ChatRole);
    return {
      kind,
      variableNames,
      render(values = {}, options) {
        const outputs: string[] = [];
        runProgram(program, fill(values, options), outputs);
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
    render: (values = {}, options) => runProgram(program, fill(values, options)),
  };
}
