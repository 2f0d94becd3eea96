/**
 * A compiled prompt: sections compiled once, rendered many times with strict variable checks.
 * Used by the client library on every request, so render does no parsing and little allocation.
 */
import { MissingVariableError, UnknownVariableError } from './errors.ts';
import { type ChatRole, type PromptKind, parseBody, type Section } from './sections.ts';
import { type CompiledTemplate, compileTemplate } from './template.ts';
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

interface CompiledSection {
  readonly name: string;
  readonly template: CompiledTemplate;
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
  const compiled: CompiledSection[] = sections.map((s, i) => ({
    name: s.name,
    template: compileTemplate(s.content, contentLines[i] ?? 1),
  }));

  const known: Record<string, true> = Object.create(null);
  const defaults: Record<string, string | number | boolean> = Object.create(null);
  const checks: { name: string; spec: VariableSpecs[string] }[] = [];
  for (const [name, spec] of Object.entries(variables)) {
    known[name] = true;
    if (spec.default !== undefined) defaults[name] = spec.default;
    checks.push({ name, spec });
  }
  for (const section of compiled) for (const name of section.template.variables) known[name] = true;
  const variableNames = Object.keys(known);

  const validate = (values: TemplateVariables, options?: RenderOptions) => {
    if (!options?.allowExtra) {
      for (const name in values)
        if (known[name] !== true) throw new UnknownVariableError(name, variableNames);
    }
    for (let i = 0; i < checks.length; i++) {
      const { name, spec } = checks[i] as (typeof checks)[number];
      const value = Object.hasOwn(values, name) ? values[name] : undefined;
      if (value === undefined || value === null) {
        if (spec.required && spec.default === undefined) throw new MissingVariableError(name);
      } else if (spec.type !== 'string' || typeof value !== 'string') {
        assertValueType(name, spec.type, value);
      }
    }
  };

  if (kind === 'chat') {
    return {
      kind,
      variableNames,
      render(values = {}, options) {
        validate(values, options);
        const messages: ChatMessage[] = [];
        for (const section of compiled) {
          const content = trimBlankEdges(section.template.render(values, defaults));
          if (content !== '') messages.push({ role: section.name as ChatRole, content });
        }
        return messages;
      },
    };
  }
  return {
    kind,
    variableNames,
    render(values = {}, options) {
      validate(values, options);
      let out = '';
      for (const section of compiled) {
        const content = trimBlankEdges(section.template.render(values, defaults));
        if (content === '') continue;
        out = out === '' ? content : `${out}\n\n${content}`;
      }
      return out;
    },
  };
}

/** Drops blank lines left at the edges by empty optional blocks, keeping indentation inside. */
function trimBlankEdges(text: string): string {
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  if (first !== 10 && first !== 32 && first !== 9 && last !== 10 && last !== 32 && last !== 9) return text;
  return text.replace(/^(?:[ \t]*\n)+/, '').trimEnd();
}
