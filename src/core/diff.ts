import { createTwoFilesPatch } from 'diff';
import { type PromptDocument, serializePromptDocument } from './document.ts';
import { type BumpResult, impliedBump } from './versioning.ts';

export interface DocumentDiff {
  readonly from: string;
  readonly to: string;
  /** Unified line diff of the canonical document texts. */
  readonly unified: string;
  /** What the change from `from` to `to` implies for the version. */
  readonly bump: BumpResult;
}

export interface VersionedDocument {
  readonly version: string;
  readonly document: PromptDocument;
}

export function diffDocuments(
  id: string,
  from: VersionedDocument,
  to: VersionedDocument,
  context = 3,
): DocumentDiff {
  const unified = createTwoFilesPatch(
    `${id}@${from.version}`,
    `${id}@${to.version}`,
    serializePromptDocument(from.document),
    serializePromptDocument(to.document),
    undefined,
    undefined,
    { context },
  );
  return { from: from.version, to: to.version, unified, bump: impliedBump(from.document, to.document) };
}
