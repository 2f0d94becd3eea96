/**
 * Runs a compiled template program in a loop: the renderer where the runtime forbids code generation
 * (`--disallow-code-generation-from-strings`), and the reference the generated code is tested
 * against. A module of its own so that the client library loads it only when it is needed.
 */
import type { PromptRenderer, RenderChecks, SlotSpec } from './render-codegen.ts';
import { BLOCK_SEPARATOR, OP, type TemplateProgram } from './template-tree.ts';
import type { TemplateValue, TemplateVariables } from './variables.ts';

const { TEXT, VAR, SECTION, BLOCK } = OP;

function isSet(value: TemplateValue): boolean {
  return value !== undefined && value !== null && value !== '' && value !== false;
}

/**
 * Runs a program with values in slots. Blocks are joined by a blank line and blocks that render
 * empty are dropped. With `blocks`, each block's output is pushed there instead (chat messages).
 *
 * Whitespace is held back in `pending` until visible text follows, so trailing whitespace and the
 * blank lines left by empty optional blocks never reach the output: nothing is trimmed afterwards,
 * which would flatten the concatenated string. Leading blank lines of a block are dropped too, its
 * indentation kept.
 */
export function runProgram(
  program: TemplateProgram,
  slots: readonly TemplateValue[],
  blocks?: string[],
): string {
  const { ops, heads, tails } = program;
  let out = '';
  let pending = '';
  let leading = '';
  let atBlockStart = true;
  let inBlock = false;
  for (let pc = 0; pc < ops.length; pc += 3) {
    const op = ops[pc];
    let head: string;
    let tail: string;
    if (op === TEXT) {
      const at = ops[pc + 1] as number;
      head = heads[at] as string;
      tail = tails[at] as string;
    } else if (op === VAR) {
      const value = slots[ops[pc + 1] as number];
      if (value === undefined || value === null) continue;
      const piece = typeof value === 'string' ? value : String(value);
      head = piece.trimEnd();
      tail = head.length === piece.length ? '' : piece.slice(head.length);
    } else if (op === BLOCK) {
      if (blocks && inBlock) {
        blocks.push(out);
        out = '';
      }
      inBlock = true;
      pending = out === '' ? '' : BLOCK_SEPARATOR;
      leading = '';
      atBlockStart = true;
      continue;
    } else {
      if (isSet(slots[ops[pc + 1] as number]) !== (op === SECTION)) pc = (ops[pc + 2] as number) - 3;
      continue;
    }

    if (head === '') {
      if (atBlockStart) leading += tail;
      else pending += tail;
      continue;
    }
    if (atBlockStart) {
      atBlockStart = false;
      const first = leading === '' ? head : leading + head;
      const code = first.charCodeAt(0);
      out +=
        pending + (code === 10 || code === 32 || code === 9 ? first.replace(/^(?:[ \t]*\n)+/, '') : first);
    } else if (pending === '') {
      out += head;
    } else {
      out += pending + head;
    }
    pending = tail;
  }
  if (blocks && inBlock) blocks.push(out);
  return out;
}

/**
 * A prompt's renderer built on the interpreter: the values are checked as the generated renderer
 * checks them (unknown names first, then types, then missing required variables), placed in slots
 * (defaults first) and the program is run.
 */
export function interpretPromptRenderer(
  program: TemplateProgram,
  slots: readonly SlotSpec[],
  checks: RenderChecks,
): PromptRenderer {
  const defaults: TemplateValue[] = slots.map((slot) => slot.default);
  const requiredSlots = slots.flatMap((slot, i) => (slot.required && slot.default === undefined ? [i] : []));
  const fill = (values: TemplateVariables, allowExtra: boolean): TemplateValue[] => {
    if (!allowExtra) checks.unknown(values);
    const filled = defaults.slice();
    for (let i = 0; i < slots.length; i++) {
      const value = values[(slots[i] as SlotSpec).name];
      if (value === undefined || value === null) continue;
      if ((slots[i] as SlotSpec).type !== 'string' || typeof value !== 'string') checks.type(i, value);
      filled[i] = value;
    }
    for (let i = 0; i < requiredSlots.length; i++) {
      const slot = requiredSlots[i] as number;
      const value = filled[slot];
      if (value === undefined || value === null) checks.missing(slot);
    }
    return filled;
  };
  return (values, allowExtra, blocks) => runProgram(program, fill(values, allowExtra), blocks);
}
