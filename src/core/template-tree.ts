/**
 * The template language's compiled form, the flat program every renderer runs, and the parse tree's
 * nodes and tag pattern: what template-compiler.ts (the parse with messages) and valid-body.ts (the
 * client's compile, without) share. Kept apart so the client's bundle holds neither compiler's code
 * but its own.
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

/** A parsed node: `k` is TEXT, VAR, SECTION or INVERTED, `s` the text or the variable name. */
export interface TemplateNode {
  readonly k: 0 | 1 | 2 | 3;
  readonly s: string;
  readonly children: TemplateNode[];
}

export const TAG = /\{\{[ \t]*([#^/]?)[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*\}\}/g;

export const node = (k: TemplateNode['k'], s: string): TemplateNode => ({ k, s, children: [] });
