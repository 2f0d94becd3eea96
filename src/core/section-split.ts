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
