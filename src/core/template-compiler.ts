/**
 * The prompt template language: `{{name}}`, `{{#name}}...{{/name}}` (inside renders only when `name`
 * is set and non-empty) and `{{^name}}...{{/name}}` (only when it is not). No HTML escaping. A line
 * holding nothing but a section tag disappears entirely, as in Mustache, so optional blocks leave no
 * blank lines. Compiled once into a flat program of instructions, which render-codegen.ts turns into
 * a function (or template-interpreter.ts runs in a loop). This module holds no renderer, so the
 * client library can load the interpreter only where code generation is forbidden.
 */
import { TemplateSyntaxError } from './errors.ts';
import {
  OP,
  parseTemplateTree,
  programFromTrees,
  type TemplateNode,
  type TemplateProgram,
} from './template-tree.ts';

export { BLOCK_SEPARATOR, OP, type TemplateProgram } from './template-tree.ts';

export type TagKind = 'variable' | 'section' | 'inverted' | 'close';

export interface TemplateTag {
  readonly kind: TagKind;
  readonly name: string;
  readonly line: number;
}

export interface TemplateProblem {
  readonly message: string;
  readonly line: number;
}

export interface TemplateScan {
  readonly tags: readonly TemplateTag[];
  /** Unbalanced or mismatched section tags. */
  readonly errors: readonly TemplateProblem[];
  /** Lines holding `{{` that is not a tag; they render literally. */
  readonly strayBraceLines: readonly number[];
  readonly nodes: readonly TemplateNode[];
}

const KIND_BY_SIGIL: Record<string, TagKind> = {
  '': 'variable',
  '#': 'section',
  '^': 'inverted',
  '/': 'close',
};

const tagText = (open: { readonly node: TemplateNode }) =>
  `${open.node.k === OP.SECTION ? '#' : '^'}${open.node.s}`;

/** Scans a template without throwing; `compileTemplate` throws on the first error instead. */
export function scanTemplate(text: string, firstLine = 1): TemplateScan {
  const tags: TemplateTag[] = [];
  const errors: TemplateProblem[] = [];
  const strayBraceLines: number[] = [];
  const nodes = parseTemplateTree(text, firstLine, {
    line(lineText, line, tagCount) {
      let braces = 0;
      for (let at = lineText.indexOf('{{'); at !== -1; at = lineText.indexOf('{{', at + 2)) braces++;
      if (braces > tagCount) strayBraceLines.push(line);
    },
    tag(sigil, name, line) {
      tags.push({ kind: KIND_BY_SIGIL[sigil] as TagKind, name, line });
    },
    problem(problem) {
      switch (problem.kind) {
        case 'reserved':
          errors.push({
            message: `{{${problem.name}}} uses a reserved name: rename the variable`,
            line: problem.line,
          });
          break;
        case 'unopened':
          errors.push({
            message: `{{/${problem.name}}} closes a section that was never opened`,
            line: problem.line,
          });
          break;
        case 'mismatch':
          errors.push({
            message: `{{/${problem.name}}} does not match the open section {{${tagText(problem.open)}}} from line ${problem.open.line}`,
            line: problem.line,
          });
          break;
        case 'unclosed':
          errors.push({
            message: `{{${tagText(problem.open)}}} is never closed: add {{/${problem.open.node.s}}}`,
            line: problem.open.line,
          });
      }
    },
  }) as TemplateNode[];
  return { tags, errors, strayBraceLines, nodes };
}

export interface TemplateBlock {
  readonly text: string;
  /** File line of the block's first line, for error messages. */
  readonly firstLine?: number;
}

/**
 * Compiles blocks (prompt sections) into one program. Every name gets a slot: names listed in
 * `knownSlots` first, in order, then names the blocks use, in order of first use.
 */
export function compileProgram(
  blocks: readonly TemplateBlock[],
  knownSlots: readonly string[] = [],
): TemplateProgram {
  const trees = blocks.map((block) => {
    const scan = scanTemplate(block.text, block.firstLine ?? 1);
    const error = scan.errors[0];
    if (error) throw new TemplateSyntaxError(error.message, error.line);
    return scan.nodes;
  });
  return programFromTrees(trees, knownSlots);
}
