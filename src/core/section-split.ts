/**
 * The names and patterns of a body's `## name` sections: what `splitSections` (sections.ts, with a
 * reporter that words each issue) and the client's `compileValidBody` (valid-body.ts, without) share.
 * Kept apart so the client's bundle holds none of the issue records.
 */

export type PromptKind = 'text' | 'chat';

export const CHAT_ROLES = ['system', 'user', 'assistant'] as const;
export type ChatRole = (typeof CHAT_ROLES)[number];

export interface Section {
  readonly name: string;
  /** The text under the heading, without leading and trailing blank lines. */
  readonly content: string;
}

export const HEADING = /^##[ \t]+(.*?)[ \t]*$/;
export const SECTION_NAME = /^[a-z][a-z0-9_]{0,63}$/;
export const FENCE = /^[ \t]{0,3}(`{3,}|~{3,})/;

export function isChatRole(name: string): name is ChatRole {
  return (CHAT_ROLES as readonly string[]).includes(name);
}

/**
 * One line of a body: the fence open after it, and the section name when it is a `## name` heading
 * outside a fenced block (a fence's own line is never a heading).
 */
export function scanLine(
  line: string,
  fence: string | undefined,
): { fence: string | undefined; heading: string | undefined } {
  const fenceMatch = FENCE.exec(line);
  if (fenceMatch) {
    const marker = fenceMatch[1] as string;
    if (fence === undefined) fence = marker;
    else if (marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
    return { fence, heading: undefined };
  }
  return { fence, heading: fence === undefined ? HEADING.exec(line)?.[1] : undefined };
}
