/**
 * The body of a prompt document: named sections, each opened by a `## name` heading. Text prompts use
 * role, context, instructions, guardrails, output_format (and any other names); chat prompts use
 * system, user and assistant, which may repeat. Headings inside fenced code blocks are content.
 * No YAML here: the client library parses bodies with this module alone.
 */
import { type DocumentIssue, DocumentParseError, displayValue } from './errors.ts';

export type PromptKind = 'text' | 'chat';

export const STANDARD_SECTIONS = ['role', 'context', 'instructions', 'guardrails', 'output_format'] as const;
export const CHAT_ROLES = ['system', 'user', 'assistant'] as const;
export type ChatRole = (typeof CHAT_ROLES)[number];

export interface Section {
  readonly name: string;
  /** The text under the heading, without leading and trailing blank lines. */
  readonly content: string;
}

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

const HEADING = /^##[ \t]+(.*?)[ \t]*$/;
const SECTION_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const FENCE = /^[ \t]{0,3}(`{3,}|~{3,})/;

export function isChatRole(name: string): name is ChatRole {
  return (CHAT_ROLES as readonly string[]).includes(name);
}

/**
 * Splits a body into sections. `firstLine` is the file line of the body's first line, so every
 * position and error names the line in the file.
 */
export function parseBody(body: string, firstLine = 1): ParsedBody {
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  const issues: DocumentIssue[] = [];
  const raw: { name: string; headingLine: number; lines: string[] }[] = [];
  let fence: string | undefined;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const lineNo = firstLine + i;
    const fenceMatch = FENCE.exec(line);
    if (fenceMatch) {
      const marker = fenceMatch[1] as string;
      if (fence === undefined) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
    }
    const heading = fence === undefined && !fenceMatch ? HEADING.exec(line) : null;
    if (heading) {
      const name = heading[1] as string;
      if (!SECTION_NAME.test(name)) {
        issues.push({
          path: 'body',
          line: lineNo,
          message: `section heading "## ${name}" is not a valid section name: use lowercase letters, digits and _ (for example "## output_format")`,
        });
      }
      raw.push({ name, headingLine: lineNo, lines: [] });
      continue;
    }
    const open = raw.at(-1);
    if (open) open.lines.push(line);
    else if (line.trim() !== '') {
      issues.push({
        path: 'body',
        line: lineNo,
        message: `text before the first section: start the body with a heading such as "## instructions" (found ${displayValue(line.trim(), 40)})`,
      });
    }
  }

  if (raw.length === 0 && issues.length === 0) {
    issues.push({
      path: 'body',
      line: firstLine,
      message: 'the body has no sections: start each section with a heading such as "## instructions"',
    });
  }

  const chat = raw.filter((s) => isChatRole(s.name));
  const kind: PromptKind = chat.length > 0 ? 'chat' : 'text';
  if (chat.length > 0 && chat.length < raw.length) {
    const stray = raw.find((s) => !isChatRole(s.name));
    issues.push({
      path: 'body',
      line: stray?.headingLine ?? firstLine,
      message: `section "${stray?.name}" cannot be mixed with chat sections (system, user, assistant): use only chat sections or none`,
    });
  }
  if (kind === 'text') {
    const seen = new Map<string, number>();
    for (const s of raw) {
      const before = seen.get(s.name);
      if (before !== undefined) {
        issues.push({
          path: 'body',
          line: s.headingLine,
          message: `section "${s.name}" appears twice (first at line ${before}): merge them`,
        });
      } else seen.set(s.name, s.headingLine);
    }
  }
  if (issues.length > 0) throw new DocumentParseError(issues);

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

export function serializeBody(sections: readonly Section[]): string {
  return `${sections.map((s) => (s.content === '' ? `## ${s.name}\n` : `## ${s.name}\n${s.content}\n`)).join('\n')}`;
}
