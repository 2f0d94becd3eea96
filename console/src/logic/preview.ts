/**
 * The preview's renderer: the core's own document parser and prompt compiler, so the console shows
 * exactly what the client library renders. Loaded on demand (its YAML parser is most of the
 * console's size), the first time a page previews a version.
 */
import { parsePromptDocument } from '../../../src/core/document.ts';
import { compileSections } from '../../../src/core/prompt.ts';

export function compileDocument(text: string) {
  const document = parsePromptDocument(text);
  return { document, prompt: compileSections(document.kind, document.sections, document.variables) };
}

export type CompiledDocument = ReturnType<typeof compileDocument>;
