/**
 * Runs a compiled template program in a loop: the client's renderer until a prompt is hot, and where
 * the runtime forbids code generation (`--disallow-code-generation-from-strings`), and the reference
 * the generated code (render-codegen.ts) is tested against.
 */
import type { PromptRenderer, RenderChecks, SlotSpec } from './render-codegen.ts';
import { BLOCK_SEPARATOR, OP, type TemplateProgram } from './template-tree.ts';
import type { TemplateValue, TemplateVariables } from './variables.ts';

const { TEXT, VAR, SECTION, BLOCK } = OP;

const LEADING_BLANK_LINES = /^(?:[ \t]*\n)+/;

/** A block as it renders: without its trailing whitespace and its leading blank lines (indentation kept). */
export function tidy(text: string): string {
  const trimmed = text.trimEnd();
  const code = trimmed.charCodeAt(0);
  return code === 10 || code === 32 || code === 9 ? trimmed.replace(LEADING_BLANK_LINES, '') : trimmed;
}

/** Two renderings joined as blocks are: a blank line between them when both hold something. */
export function joinBlocks(a: string, b: string): string {
  return a === '' ? b : b === '' ? a : a + BLOCK_SEPARATOR + b;
}

/**
 * Runs a program with values in slots: each block is the concatenation of its text and values,
 * tidied; blocks are joined by a blank line and blocks that render empty are dropped. With `blocks`,
 * each block's output is pushed there instead (chat messages).
 */
export function runProgram(
  program: TemplateProgram,
  slots: readonly TemplateValue[],
  blocks?: string[],
): string {
  const { ops, texts } = program;
  let out = '';
  let block = '';
  let inBlock = false;
  const end = () => {
    if (!inBlock) return;
    block = tidy(block);
    if (blocks) blocks.push(block);
    else out = joinBlocks(out, block);
  };
  for (let pc = 0; pc < ops.length; pc += 3) {
    const op = ops[pc];
    const a = ops[pc + 1] as number;
    if (op === BLOCK) {
      end();
      inBlock = true;
      block = '';
    } else if (op === TEXT) block += texts[a];
    else if (op === VAR) block += slots[a] ?? '';
    else if (isSet(slots[a]) !== (op === SECTION)) pc = (ops[pc + 2] as number) - 3;
  }
  end();
  return blocks ? (blocks.at(-1) ?? '') : out;
}

function isSet(value: TemplateValue): boolean {
  return value !== undefined && value !== null && value !== '' && value !== false;
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
  const fill = (values: TemplateVariables, allowExtra: boolean): TemplateValue[] => {
    if (!allowExtra) checks.unknown(values);
    // Every given value's type first, then defaults and missing required variables, in slot order.
    return slots
      .map(({ name, type }, i) => {
        const value = values[name];
        if (value != null && (type !== 'string' || typeof value !== 'string')) checks.type(i, value);
        return value;
      })
      .map((value, i) => {
        const slot = slots[i] as SlotSpec;
        const filled = value ?? slot.default;
        if (filled == null && slot.required) checks.missing(i);
        return filled;
      });
  };
  return (values, allowExtra, blocks) => runProgram(program, fill(values, allowExtra), blocks);
}
