/**
 * A version's compiled program as the manifest carries it (`program`, docs/architecture.md "The
 * client's bundle"): deploy compiles each inline body once, so a client reading the manifest renders
 * without parsing the body. This module is the client's side: the JSON form and the check that turns
 * it into a runnable program, or into nothing, in which case the client compiles the body as it does
 * for a manifest without programs. It loads no parser; `manifestProgramOf` (valid-body.ts) builds it.
 *
 * The AppConfig validator refuses a manifest whose program is not exactly the one compiled from the
 * stored document, so a program that reaches the client renders what the body says. The check here is
 * for a client reading a manifest that no validator saw (a hand-edited snapshot, a file source): a
 * program it accepts cannot make a render loop, read past its tables or put anything but integers into
 * generated code (texts and names reach the code generator only as JSON string literals).
 */
import type { TemplateProgram } from './template-tree.ts';

/**
 * `ops`: the program's instructions, three integers each (template-tree.ts); `texts`: the text
 * instructions' texts; `slots`: the variable names by slot,
 * the declared ones first; `roles`: a chat prompt's section names, one per block.
 */
export interface ManifestProgram {
  readonly ops: readonly number[];
  readonly texts: readonly string[];
  readonly slots: readonly string[];
  readonly roles?: readonly string[];
}

const strings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((s) => typeof s === 'string');

// OP's codes (template-tree.ts), as constants the minifier inlines.
const TEXT = 0;
const INVERTED = 3;
const BLOCK = 4;

/**
 * The runnable program and the blocks' roles (chat) of a manifest's `program`, or undefined when it
 * is not one: instructions other than whole numbers or out of their tables' range, a section that
 * ends before it starts or after the one around it, text outside a block, a chat prompt without one
 * role per block.
 */
export function programOf(
  value: unknown,
  chat: boolean,
): { readonly program: TemplateProgram; readonly roles: readonly string[] } | undefined {
  // What it claims to be, checked below.
  const { ops, texts, slots, roles = [] } = (value ?? {}) as Partial<ManifestProgram>;
  if (!Array.isArray(ops) || ops.length % 3 || ![texts, slots, roles].every(strings)) return undefined;
  /** Where each open section ends, innermost last. */
  const ends = [ops.length];
  let blocks = 0;
  for (let pc = 0; pc < ops.length; pc += 3) {
    while (ends.at(-1) === pc) ends.pop();
    const [op, a, b] = ops.slice(pc, pc + 3) as [number, number, number];
    if (![op, a, b].every(Number.isInteger) || a < 0) return undefined;
    if (op === BLOCK) {
      if (ends.length > 1) return undefined;
      blocks++;
    } else if (
      !blocks ||
      !(op >= TEXT && op <= INVERTED) ||
      a >= ((op === TEXT ? texts : slots) as string[]).length
    )
      return undefined;
    // A section or inverted section: its end is after it, on an instruction, within the one around it.
    else if (op > 1) {
      if (b <= pc || b % 3 || b > (ends.at(-1) as number)) return undefined;
      ends.push(b);
    }
  }
  if (!blocks || (chat && roles.length !== blocks)) return undefined;
  return {
    program: { ops: Int32Array.from(ops), texts: texts as string[], slots: slots as string[] },
    roles,
  };
}
