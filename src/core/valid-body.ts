/**
 * The client's compile of a prompt body, without messages: what it runs on every manifest load, a
 * program or nothing. It splits the body into its `## name` sections as `splitSections` (sections.ts)
 * does and parses each section's template as `parseTemplateTree` (template-compiler.ts) does, and
 * emits the program `compileProgram` (template-compiler.ts) emits for those sections, in one pass
 * over the lines: no section texts, no tree. Undefined exactly where `parseBody` or `compileProgram`
 * finds a problem; the client then loads the compiler that words it. A property test holds the
 * three together.
 */

import {
  type CompiledPrompt,
  type CompilePromptInput,
  compiledPrompt,
  type RendererBuilder,
} from './compiled-prompt.ts';
import type { ManifestProgram } from './manifest-program.ts';
import { HEADING, isChatRole, nextFence, type PromptKind, SECTION_NAME, TAG } from './section-split.ts';
import { OP, type TemplateProgram } from './template-tree.ts';

export interface ValidBody {
  readonly kind: PromptKind;
  /** Section names, in order: the program's blocks. */
  readonly names: readonly string[];
  readonly program: TemplateProgram;
}

const blank = (line: string) => line.trim() === '';

/** The body's program; slots are `knownSlots` first, in order, then names in order of first use. */
export function compileValidBody(body: string, knownSlots: readonly string[]): ValidBody | undefined {
  const sections: { name: string; lines: string[] }[] = [];
  let fence: string | undefined;
  for (const line of body.replace(/\r\n?/g, '\n').split('\n')) {
    const before = fence;
    fence = nextFence(line, fence);
    const heading = before === undefined && fence === undefined ? HEADING.exec(line) : null;
    if (heading) {
      if (!SECTION_NAME.test(heading[1] as string)) return undefined;
      sections.push({ name: heading[1] as string, lines: [] });
    } else if (sections.length > 0) sections.at(-1)?.lines.push(line);
    else if (!blank(line)) return undefined;
  }
  const names = sections.map((s) => s.name);
  const chat = names.filter(isChatRole).length;
  // No heading; chat sections mixed with others; a text section twice.
  if (names.length === 0 || (chat > 0 ? chat < names.length : new Set(names).size < names.length)) {
    return undefined;
  }

  const slotIndex = new Map<string, number>();
  const slot = (name: string) => {
    if (!slotIndex.has(name)) slotIndex.set(name, slotIndex.size);
    return slotIndex.get(name) as number;
  };
  knownSlots.forEach(slot);
  const ops: number[] = [];
  const texts: string[] = [];
  const text = (s: string) => ops.push(OP.TEXT, texts.push(s) - 1, 0);
  for (const { lines } of sections) {
    // The section's template: its lines without the leading and trailing blank ones.
    let start = 0;
    let end = lines.length;
    while (start < end && blank(lines[start] as string)) start++;
    while (end > start && blank(lines[end - 1] as string)) end--;
    ops.push(OP.BLOCK, 0, 0);
    /** Open sections: name and the position of their instruction, in turn. */
    const open: (string | number)[] = [];
    let pending = '';
    for (let i = start; i < end; i++) {
      const line = lines[i] as string;
      const matches = [...line.matchAll(TAG)];
      // A line holding nothing but a section tag disappears entirely.
      const only = matches.length === 1 ? matches[0] : undefined;
      const alone =
        only !== undefined &&
        only[1] !== '' &&
        blank(line.slice(0, only.index)) &&
        blank(line.slice(only.index + only[0].length));
      let last = 0;
      for (const m of matches) {
        const sigil = m[1];
        const name = m[2] as string;
        if (name in Object.prototype) return undefined;
        if (!alone) pending += line.slice(last, m.index);
        last = m.index + m[0].length;
        if (pending !== '') text(pending);
        pending = '';
        if (sigil === '/') {
          const at = open.pop() as number;
          if (open.pop() !== name) return undefined;
          ops[at + 2] = ops.length;
        } else {
          if (sigil !== '') open.push(name, ops.length);
          ops.push(sigil === '' ? OP.VAR : sigil === '#' ? OP.SECTION : OP.INVERTED, slot(name), 0);
        }
      }
      if (alone) continue;
      pending += line.slice(last);
      if (i < end - 1) pending += '\n';
    }
    if (pending !== '') text(pending);
    if (open.length > 0) return undefined;
  }
  return {
    kind: chat > 0 ? 'chat' : 'text',
    names,
    program: { ops: Int32Array.from(ops), texts, slots: [...slotIndex.keys()] },
  };
}

/**
 * The program a manifest carries for a body (manifest-program.ts): what `compileValidBody` gives,
 * in JSON. Undefined for a body that does not compile (which publish refuses).
 */
export function manifestProgramOf(body: string, knownSlots: readonly string[]): ManifestProgram | undefined {
  const valid = compileValidBody(body, knownSlots);
  if (valid === undefined) return undefined;
  const { ops, texts, slots } = valid.program;
  return {
    ops: [...ops],
    texts,
    slots,
    ...(valid.kind === 'chat' ? { roles: valid.names } : {}),
  };
}

/**
 * `compilePromptWith(input, build)` (prompt-compiler.ts) for a body whose sections and templates
 * parse; undefined otherwise, and the caller then calls that one, for the error naming the line.
 */
export function compileValidPrompt(
  input: CompilePromptInput,
  build: RendererBuilder,
): CompiledPrompt | undefined {
  const valid = compileValidBody(input.body, Object.keys(input.variables));
  return valid && compiledPrompt(valid.kind, valid.names, valid.program, input.variables, build);
}
