/**
 * Finds a JSON object or array inside free text, as models wrap JSON in prose or code fences. Used by
 * `contains-json` and by the judge's verdict parsing.
 */

/** Start positions tried before giving up, so a long output full of braces stays cheap. */
const MAX_CANDIDATES = 200;

export interface FoundJson {
  readonly value: unknown;
  /** Offset of the value's first character in the text. */
  readonly start: number;
}

/** The first balanced `{...}` or `[...]` in `text` that parses as JSON, or undefined. */
export function findJsonValue(text: string): FoundJson | undefined {
  let candidates = 0;
  for (let start = 0; start < text.length && candidates < MAX_CANDIDATES; start++) {
    const c = text.charCodeAt(start);
    if (c !== 0x7b && c !== 0x5b) continue;
    candidates++;
    const end = matchingClose(text, start);
    if (end === -1) continue;
    try {
      return { value: JSON.parse(text.slice(start, end + 1)), start };
    } catch {
      // Balanced but not JSON (for example `{name}` in prose): try the next opening bracket.
    }
  }
  return undefined;
}

/** Index of the bracket closing the one at `start`, skipping brackets inside strings; -1 if none. */
function matchingClose(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}
