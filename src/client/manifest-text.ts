/** A manifest from the text a source or the fallback snapshot returned. */
import type { AnyManifest } from '../core/manifest.ts';
import { isValidPlainManifest } from '../core/manifest-check.ts';
import { PromptSourceError } from './errors.ts';

/**
 * The manifest in `text`, of either schema (2 has version references, docs/architecture.md). The full
 * check (manifest-check-refs.ts, with variants, segments and shadows) is loaded only for a manifest
 * that is not a valid schema 1 one with one pin per prompt, and
 * manifest.ts, with the message naming each bad field, only to reject one.
 */
export async function parseManifestText(text: string, origin: string): Promise<AnyManifest> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // The parser's message quotes the text, which may be prompt content: it is not kept.
    throw new PromptSourceError(`${origin} returned text that is not JSON (${text.length} characters)`);
  }
  if (isValidPlainManifest(value)) return value;
  if ((await import('./lazy/manifest-refs.ts')).isValidManifestDocument(value)) return value;
  return (await import('./lazy/manifest.ts')).parseManifestDocument(value);
}
