import { describe, expect, it } from 'vitest';
import { diffDocuments } from '../../../src/core/diff.ts';
import { parsePromptDocument, serializePromptDocument } from '../../../src/core/document.ts';
import { canonicalDocumentText, documentHash, isSha256Hex, sha256Hex } from '../../../src/core/hash.ts';
import { DIMENSION_SETS, emfDocument, METRIC_NAMESPACE, METRICS } from '../../../src/core/metrics.ts';
import { EXAMPLE_TEXT, textDocument } from '../../fixtures/documents.ts';

describe('content hash', () => {
  it('is the SHA-256 of the canonical text', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(documentHash(EXAMPLE_TEXT)).toBe(sha256Hex(canonicalDocumentText(EXAMPLE_TEXT)));
    expect(isSha256Hex(documentHash(EXAMPLE_TEXT))).toBe(true);
  });

  it('ignores formatting that does not change the document', () => {
    const reformatted = EXAMPLE_TEXT.replace(
      'tags: [support, email]',
      'tags:\n  - support\n  - email',
    ).replace(/\n/g, '\r\n');
    expect(documentHash(reformatted)).toBe(documentHash(EXAMPLE_TEXT));
    expect(documentHash(parsePromptDocument(EXAMPLE_TEXT))).toBe(documentHash(EXAMPLE_TEXT));
  });

  it('changes with any content change', () => {
    expect(documentHash(EXAMPLE_TEXT.replace('Acme', 'Acme Inc'))).not.toBe(documentHash(EXAMPLE_TEXT));
  });
});

describe('diffDocuments', () => {
  it('gives a unified diff of the canonical texts and the implied bump', () => {
    const from = textDocument();
    const to = textDocument({
      sections: from.sections.map((s) => (s.name === 'output_format' ? { ...s, content: 'JSON only.' } : s)),
    });
    const diff = diffDocuments(
      'support-reply',
      { version: '1.0.0', document: from },
      { version: '2.0.0', document: to },
    );
    expect(diff.from).toBe('1.0.0');
    expect(diff.to).toBe('2.0.0');
    expect(diff.unified).toContain('--- support-reply@1.0.0');
    expect(diff.unified).toContain('+++ support-reply@2.0.0');
    expect(diff.unified).toContain('-Plain text, at most 150 words.');
    expect(diff.unified).toContain('+JSON only.');
    expect(diff.bump).toEqual({ level: 'major', reasons: ['major: section "output_format" text changed'] });
  });

  it('has no hunks for identical documents', () => {
    const doc = textDocument();
    const diff = diffDocuments('x', { version: '1.0.0', document: doc }, { version: '1.0.1', document: doc });
    expect(diff.unified).not.toContain('@@');
    expect(diff.bump.level).toBe('none');
  });

  it('shows front matter changes too', () => {
    const from = textDocument();
    const to = textDocument({ model: { ...from.model, temperature: 0.9 } });
    const diff = diffDocuments('x', { version: '1.0.0', document: from }, { version: '1.0.1', document: to });
    expect(diff.unified).toContain('-  temperature: 0.2');
    expect(diff.unified).toContain('+  temperature: 0.9');
    expect(serializePromptDocument(to)).toContain('temperature: 0.9');
  });
});

describe('metric definitions and EMF', () => {
  it('defines the names the alarms, dashboard, client and local mode share', () => {
    expect(METRIC_NAMESPACE).toBe('PromptOps');
    expect(DIMENSION_SETS).toEqual([['Environment', 'PromptId', 'PromptVersion'], ['Environment']]);
    expect(Object.values(METRICS).map((m) => m.name)).toEqual([
      'Invocations',
      'Errors',
      'Latency',
      'InputTokens',
      'OutputTokens',
      'Cost',
      'Score',
      'FeedbackCount',
      'NegativeFeedback',
      'FeedbackRating',
      'StaleServes',
      'DeprecatedServes',
    ]);
  });

  it('builds an EMF document with the shared dimensions', () => {
    const doc = emfDocument(
      { environment: 'prod', promptId: 'support-reply', promptVersion: '1.2.0' },
      { invocations: 1, errors: 0, latency: 812, inputTokens: 420, cost: Number.NaN },
      1_700_000_000_000,
    );
    expect(doc).toEqual({
      _aws: {
        Timestamp: 1_700_000_000_000,
        CloudWatchMetrics: [
          {
            Namespace: 'PromptOps',
            Dimensions: [['Environment', 'PromptId', 'PromptVersion'], ['Environment']],
            Metrics: [
              { Name: 'Invocations', Unit: 'Count' },
              { Name: 'Errors', Unit: 'Count' },
              { Name: 'Latency', Unit: 'Milliseconds' },
              { Name: 'InputTokens', Unit: 'Count' },
            ],
          },
        ],
      },
      Environment: 'prod',
      PromptId: 'support-reply',
      PromptVersion: '1.2.0',
      Invocations: 1,
      Errors: 0,
      Latency: 812,
      InputTokens: 420,
    });
  });
});
