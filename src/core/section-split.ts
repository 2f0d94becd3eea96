/**
 * A body split into its `## name` sections, without messages: `splitValidSections` is what the client
 * runs on every manifest load, a yes or no. `splitSections` (sections.ts) runs the same split with a
 * reporter, for `parseBody` to word each issue; a property test holds the two together. Kept apart so
 * the client's bundle holds none of the issue records.
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
 * `splitSections(body)` (sections.ts) without positions or a reporter: the client's split, undefined where that one
 * finds any issue.
 */
export function splitValidSections(
  body: string,
): { readonly kind: PromptKind; readonly sections: readonly Section[] } | undefined {
  const raw: { name: string; lines: string[] }[] = [];
  let fence: string | undefined;
  for (const line of body.replace(/\r\n?/g, '\n').split('\n')) {
    const fenceMatch = FENCE.exec(line);
    if (fenceMatch) {
      const marker = fenceMatch[1] as string;
      if (fence === undefined) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
    }
    const heading = fence === undefined && !fenceMatch ? HEADING.exec(line) : null;
    if (heading) {
      if (!SECTION_NAME.test(heading[1] as string)) return undefined;
      raw.push({ name: heading[1] as string, lines: [] });
    } else if (raw.length > 0) (raw.at(-1) as { lines: string[] }).lines.push(line);
    else if (line.trim() !== '') return undefined;
  }
  const chat = raw.filter((s) => isChatRole(s.name)).length;
  const names = new Set(raw.map((s) => s.name));
  // No heading; chat sections mixed with others; a text section twice.
  if (raw.length === 0 || (chat > 0 ? chat < raw.length : names.size < raw.length)) return undefined;
  const sections = raw.map(({ name, lines }) => {
    let start = 0;
    let end = lines.length;
    while (start < end && (lines[start] as string).trim() === '') start++;
    while (end > start && (lines[end - 1] as string).trim() === '') end--;
    return { name, content: lines.slice(start, end).join('\n') };
  });
  return { kind: chat > 0 ? 'chat' : 'text', sections };
}
