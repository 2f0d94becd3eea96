/**
 * The template language's compiled form: the flat program every renderer runs. Kept apart from the
 * parsers (section-split.ts holds what they share) so the client's load path, which runs programs
 * and parses nothing, holds no parser's code.
 */

/** Instruction codes of a compiled program. */
export const OP = { TEXT: 0, VAR: 1, SECTION: 2, INVERTED: 3, BLOCK: 4 } as const;

/**
 * A compiled template or prompt body: instructions of three integers `[op, a, b]`. TEXT a = index of
 * the text; VAR a = slot; SECTION and INVERTED a = slot, b = the instruction after the block; BLOCK
 * starts a block (a prompt section).
 */
export interface TemplateProgram {
  readonly ops: Int32Array;
  /** Texts by index. */
  readonly texts: readonly string[];
  /** Names by slot. */
  readonly slots: readonly string[];
}

/** Between blocks (prompt sections) that render something. */
export const BLOCK_SEPARATOR = '\n\n';
