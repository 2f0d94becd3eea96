/**
 * The names and patterns of a body's `## name` sections and of its template tags: what the parsers
 * with messages (`splitSections`, sections.ts; template-compiler.ts) and the client's
 * `compileValidBody` (valid-body.ts, without) share. Kept apart so the client's bundle holds none of
 * the issue records, and its load path, which runs the programs manifests carry, no parser at all.
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
 * The fence open after `line` (undefined outside one), given the fence open before it. A line outside
 * a fence both before and after is not a fence line, so it may be a heading.
 */
export function nextFence(line: string, fence: string | undefined): string | undefined {
  const marker = FENCE.exec(line)?.[1];
  if (marker === undefined) return fence;
  if (fence === undefined) return marker;
  return marker[0] === fence[0] && marker.length >= fence.length ? undefined : fence;
}

/** A parsed node: `k` is TEXT, VAR, SECTION or INVERTED, `s` the text or the variable name. */
export interface TemplateNode {
  readonly k: 0 | 1 | 2 | 3;
  readonly s: string;
  readonly children: TemplateNode[];
}

export const TAG = /\{\{[ \t]*([#^/]?)[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*\}\}/g;

export const node = (k: TemplateNode['k'], s: string): TemplateNode => ({ k, s, children: [] });
