import type { LintRule } from '../types.ts';

export const documentSize: LintRule = {
  id: 'document-size',
  description: 'The document fits the size limit.',
  check({ text, options }) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes <= options.maxDocumentBytes) return [];
    return [
      {
        rule: this.id,
        severity: 'error',
        message: `the document is ${bytes} bytes, over the ${options.maxDocumentBytes}-byte limit: split it or shorten it`,
        line: 1,
      },
    ];
  },
};
