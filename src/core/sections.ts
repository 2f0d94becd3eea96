/**
 * The body of a prompt document: named sections, each opened by a `## name` heading. Text prompts use
 * role, context, instructions, guardrails, output_format (and any other names); chat prompts use
 * system, user and assistant, which may repeat. Headings inside fenced code blocks are content.
 * No YAML here. The split itself is section-split.ts, which the client runs alone: this module words
 * the issues.
 */
import { type DocumentIssue, DocumentParseError, displayValue } from './errors.ts';
import {
  HEADING,
  isChatRole,
  nextFence,
  type PromptKind,
  SECTION_NAME,
  type Section,
} from './section-split.ts';

export { CHAT_ROLES, type ChatRole, isChatRole, type PromptKind, type Section } from './section-split.ts';

export interface SectionPosition {
  /** 1-based file line of the `## name` heading. */
  readonly headingLine: number;
  /** 1-based file line where `content` starts. */
  readonly contentLine: number;
}

export interface ParsedBody {
  readonly kind: PromptKind;
  readonly sections: readonly Section[];
  readonly positions: readonly SectionPosition[];
}

/** What is wrong with a body, at a file line. */
export type BodyIssue =
  /** A heading whose name is not a section name. */
  | { readonly kind: 'name'; readonly name: string; readonly line: number }
  /** Text (trimmed) before the first heading. */
  | { readonly kind: 'before'; readonly text: string; readonly line: number }
  /** No heading at all. */
  | { readonly kind: 'empty'; readonly line: number }
  /** A section among chat sections that is not one. */
  | { readonly kind: 'mixed'; readonly name: string | undefined; readonly line: number }
  /** A text section's second heading; `first` is the line of the first. */
  | { readonly kind: 'twice'; readonly name: string; readonly line: number; readonly first: number };

/**
 * Splits a body into sections; headings inside fenced code blocks are content. `firstLine` is the
 * file line of the body's first line. Without `report`, undefined at the first issue; with it, every
 * issue is reported (the result is then not to be used when there was one).
 */
export function splitSections(
  body: string,
  firstLine = 1,
  report?: (issue: BodyIssue) => void,
): ParsedBody | undefined {
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  let issues = 0;
  const issue = (found: BodyIssue) => {
    issues++;
    report?.(found);
  };
  const raw: { name: string; headingLine: number; lines: string[] }[] = [];
  let fence: string | undefined;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const lineNo = firstLine + i;
    const before = fence;
    fence = nextFence(line, fence);
    const heading = before === undefined && fence === undefined ? HEADING.exec(line) : null;
    if (heading) {
      const name = heading[1] as string;
      if (!SECTION_NAME.test(name)) issue({ kind: 'name', name, line: lineNo });
      raw.push({ name, headingLine: lineNo, lines: [] });
    } else if (raw.length > 0) (raw.at(-1) as { lines: string[] }).lines.push(line);
    else if (line.trim() !== '') issue({ kind: 'before', text: line.trim(), line: lineNo });
    if (issues > 0 && !report) return undefined;
  }

  if (raw.length === 0 && issues === 0) issue({ kind: 'empty', line: firstLine });

  const chat = raw.filter((s) => isChatRole(s.name));
  const kind: PromptKind = chat.length > 0 ? 'chat' : 'text';
  if (chat.length > 0 && chat.length < raw.length) {
    const stray = raw.find((s) => !isChatRole(s.name));
    issue({ kind: 'mixed', name: stray?.name, line: stray?.headingLine ?? firstLine });
  }
  if (kind === 'text') {
    const seen = new Map<string, number>();
    for (const s of raw) {
      const first = seen.get(s.name);
      if (first !== undefined) issue({ kind: 'twice', name: s.name, line: s.headingLine, first });
      else seen.set(s.name, s.headingLine);
    }
  }
  if (issues > 0 && !report) return undefined;

  const sections: Section[] = [];
  const positions: SectionPosition[] = [];
  for (const s of raw) {
    let start = 0;
    let end = s.lines.length;
    while (start < end && (s.lines[start] as string).trim() === '') start++;
    while (end > start && (s.lines[end - 1] as string).trim() === '') end--;
    sections.push({ name: s.name, content: s.lines.slice(start, end).join('\n') });
    positions.push({ headingLine: s.headingLine, contentLine: s.headingLine + 1 + start });
  }
  return { kind, sections, positions };
}

export const STANDARD_SECTIONS = ['role', 'context', 'instructions', 'guardrails', 'output_format'] as const;

function issueMessage(issue: BodyIssue): string {
  switch (issue.kind) {
    case 'name':
      return `section heading "## ${issue.name}" is not a valid section name: use lowercase letters, digits and _ (for example "## output_format")`;
    case 'before':
      return `text before the first section: start the body with a heading such as "## instructions" (found ${displayValue(issue.text, 40)})`;
    case 'empty':
      return 'the body has no sections: start each section with a heading such as "## instructions"';
    case 'mixed':
      return `section "${issue.name}" cannot be mixed with chat sections (system, user, assistant): use only chat sections or none`;
    case 'twice':
      return `section "${issue.name}" appears twice (first at line ${issue.first}): merge them`;
  }
}

/**
 * Splits a body into sections. `firstLine` is the file line of the body's first line, so every
 * position and error names the line in the file. Throws `DocumentParseError` with every issue.
 */
export function parseBody(body: string, firstLine = 1): ParsedBody {
  const issues: DocumentIssue[] = [];
  const parsed = splitSections(body, firstLine, (issue) =>
    issues.push({ path: 'body', line: issue.line, message: issueMessage(issue) }),
  ) as ParsedBody;
  if (issues.length > 0) throw new DocumentParseError(issues);
  return parsed;
}

export function serializeBody(sections: readonly Section[]): string {
  return `${sections.map((s) => (s.content === '' ? `## ${s.name}\n` : `## ${s.name}\n${s.content}\n`)).join('\n')}`;
}
