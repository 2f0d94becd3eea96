/**
 * Segments: named user groups a prompt can pin separately from its default (docs/segments.md). This
 * module only holds the naming rules, because the client bundles it with the manifest check.
 */

/** 1 to 32 characters of `a-z 0-9 -`, starting with a letter. */
export const SEGMENT_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** The most segments one prompt may pin in an environment. */
export const MAX_SEGMENTS_PER_PROMPT = 20;

export function isSegmentName(value: unknown): value is string {
  return typeof value === 'string' && SEGMENT_NAME.test(value);
}

/** Why `value` is not a segment name, or undefined when it is one. */
export function segmentNameProblem(value: string): string | undefined {
  return isSegmentName(value)
    ? undefined
    : `${JSON.stringify(value)} is not a segment name: use 1 to 32 characters of a-z, 0-9 and -, starting with a letter`;
}
