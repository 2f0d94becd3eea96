/**
 * What the prompt-injection rules share (README, "Lint"): which variables carry free text, where each
 * `{{name}}` of a section stands, and whether it sits inside a delimiter.
 */
import type { PromptDocument } from '../document.ts';
import type { ScannedSection } from './types.ts';

/** One `{{name}}` in a section's content. */
export interface VariablePlacement {
  readonly name: string;
  /** 1-based file line. */
  readonly line: number;
  /** Offset in the section's content. */
  readonly offset: number;
  /** The tag is all its line holds: a block of text, such as a ticket or a document. */
  readonly standsAlone: boolean;
}

const VARIABLE_TAG = /\{\{[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*\}\}/g;
const FENCE_LINE = /^[ \t]*(?:```|~~~)/;
const OPENING_TAG = /<([A-Za-z][\w.-]*)(?:\s[^<>]*)?>/g;

/**
 * A free-text variable: a string (numbers, integers and booleans cannot carry instructions), or one the
 * front matter does not declare, whose type is unknown.
 */
export function isFreeText(document: PromptDocument, name: string): boolean {
  const spec = document.variables[name];
  return spec === undefined || spec.type === 'string';
}

/** Every `{{name}}` of a section, free-text or not, with its file line. */
export function variablePlacements(scanned: ScannedSection, contentLine: number): VariablePlacement[] {
  const content = scanned.section.content;
  const lines = content.split('\n');
  const placements: VariablePlacement[] = [];
  let lineStart = 0;
  lines.forEach((text, i) => {
    for (const match of text.matchAll(VARIABLE_TAG)) {
      placements.push({
        name: match[1]!,
        line: contentLine + i,
        offset: lineStart + (match.index ?? 0),
        standsAlone: text.trim() === match[0],
      });
    }
    lineStart += text.length + 1;
  });
  return placements;
}

/**
 * True when the text at `offset` is fenced off from the instructions around it: inside a fenced code
 * block, between triple quotes, or between an XML-style opening and closing tag (`<ticket>...</ticket>`).
 */
export function isDelimited(content: string, offset: number): boolean {
  const before = content.slice(0, offset);
  const fences = before.split('\n').filter((line) => FENCE_LINE.test(line)).length;
  if (fences % 2 === 1) return true;
  for (const quote of ['"""', "'''"]) {
    if (before.split(quote).length % 2 === 0 && content.indexOf(quote, offset) !== -1) return true;
  }
  for (const open of before.matchAll(OPENING_TAG)) {
    const close = `</${open[1]}>`;
    const closedAt = content.indexOf(close, (open.index ?? 0) + open[0].length);
    if (closedAt >= offset) return true;
  }
  return false;
}
