import { createHash } from 'node:crypto';
import { type PromptDocument, parsePromptDocument, serializePromptDocument } from './document.ts';

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function isSha256Hex(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);
}

/** The canonical text of a document: what is hashed, stored in S3 and diffed. */
export function canonicalDocumentText(textOrDocument: string | PromptDocument): string {
  const document = typeof textOrDocument === 'string' ? parsePromptDocument(textOrDocument) : textOrDocument;
  return serializePromptDocument(document);
}

/** SHA-256 of the canonical document text; formatting differences in the source do not change it. */
export function documentHash(textOrDocument: string | PromptDocument): string {
  return sha256Hex(canonicalDocumentText(textOrDocument));
}
