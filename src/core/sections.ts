/**
 * The body of a prompt document: named sections, each opened by a `## name` heading. Text prompts use
 * role, context, instructions, guardrails, output_format (and any other names); chat prompts use
 * system, user and assistant, which may repeat. Headings inside fenced code blocks are content.
 * No YAML here. The split itself is section-split.ts, which the client runs alone: this module words
 * the issues.
 */
import { type DocumentIssue, DocumentParseError, displayValue } from './errors.ts';
import { type BodyIssue, type ParsedBody, type Section, splitSections } from './section-split.ts';

export {
  CHAT_ROLES,
  type ChatRole,
  isChatRole,
  type ParsedBody,
  type PromptKind,
  type Section,
  type SectionPosition,
} from './section-split.ts';

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
