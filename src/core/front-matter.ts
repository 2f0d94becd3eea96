/**
 * The front matter block of a prompt document, found without parsing YAML. Apart from the section
 * parser, so that the client's S3 body reader loads only this.
 */

const FRONT_MATTER_OPEN = '---\n';
const FRONT_MATTER_CLOSE = '\n---\n';

/**
 * Splits document text into its front matter source and body without parsing YAML. `bodyLine` is the
 * file line where the body starts. Undefined when the text has no front matter block.
 */
export function splitFrontMatter(
  text: string,
): { frontMatter: string; body: string; bodyLine: number } | undefined {
  const normalized = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (!normalized.startsWith(FRONT_MATTER_OPEN)) return undefined;
  // Searching from the opening newline also finds the close of an empty block (`---\n---\n`).
  const closeAt = normalized.indexOf(FRONT_MATTER_CLOSE, FRONT_MATTER_OPEN.length - 1);
  if (closeAt === -1) return undefined;
  const frontMatter = normalized.slice(FRONT_MATTER_OPEN.length, closeAt + 1);
  const bodyStart = closeAt + FRONT_MATTER_CLOSE.length;
  const bodyLine = normalized.slice(0, bodyStart).split('\n').length;
  return { frontMatter, body: normalized.slice(bodyStart), bodyLine };
}
