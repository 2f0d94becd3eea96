/**
 * Parsed documents by SHA-256, kept for the life of the Lambda container. Documents are immutable
 * and content-addressed, so an entry never goes stale; a warm container publishing the next
 * version of a prompt skips both the S3 read and the parse of the previous one.
 */
import { type PromptDocument, parsePromptDocument } from '../../src/core/document.ts';
import type { BodyStore } from '../ports.ts';

const MAX_ENTRIES = 256;
const documents = new Map<string, PromptDocument>();

export function rememberDocument(sha256: string, document: PromptDocument): void {
  documents.delete(sha256);
  documents.set(sha256, document);
  if (documents.size > MAX_ENTRIES) documents.delete(documents.keys().next().value as string);
}

/** The parsed document with this hash, from memory or from the body store; undefined when absent. */
export async function loadDocument(bodies: BodyStore, sha256: string): Promise<PromptDocument | undefined> {
  const cached = documents.get(sha256);
  if (cached) return cached;
  const text = await bodies.get(sha256);
  if (text === undefined) return undefined;
  const document = parsePromptDocument(text);
  rememberDocument(sha256, document);
  return document;
}
