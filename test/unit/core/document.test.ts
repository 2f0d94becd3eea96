import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  documentBody,
  parsePromptDocument,
  parsePromptDocumentWithSource,
  serializePromptDocument,
} from '../../../src/core/document.ts';
import { DocumentParseError } from '../../../src/core/errors.ts';
import { documentArb } from '../../fixtures/arbitraries.ts';
import { documentText, EXAMPLE_TEXT, textDocument } from '../../fixtures/documents.ts';

function parseError(text: string): DocumentParseError {
  try {
    parsePromptDocument(text);
  } catch (error) {
    if (error instanceof DocumentParseError) return error;
    throw error;
  }
  throw new Error('expected a DocumentParseError');
}

const BODY = '## role\nYou help.\n## instructions\nDo {{x}}.\n## output_format\nText.\n';

describe('parsePromptDocument', () => {
  it('parses the contract example', () => {
    const doc = parsePromptDocument(EXAMPLE_TEXT);
    expect(doc.id).toBe('support-reply');
    expect(doc.owner).toBe('support-team');
    expect(doc.model).toEqual({
      provider: 'bedrock',
      id: 'anthropic.claude-sonnet-4',
      temperature: 0.2,
      maxTokens: 800,
    });
    expect(doc.variables).toEqual({
      customer_name: { type: 'string', required: true, description: 'Customer first name' },
      ticket: { type: 'string', required: true },
      tone: { type: 'string', required: false, default: 'friendly' },
    });
    expect(doc.tags).toEqual(['support', 'email']);
    expect(doc.kind).toBe('text');
    expect(doc.sections.map((s) => s.name)).toEqual([
      'role',
      'context',
      'instructions',
      'guardrails',
      'output_format',
    ]);
    expect(doc.sections[2]?.content).toBe('Answer the ticket below in a {{tone}} tone.\n{{ticket}}');
  });

  it('parses chat prompts, which may repeat roles', () => {
    const doc = parsePromptDocument(
      documentText(
        'id: chat-bot',
        '## system\nBe brief.\n## user\nHi\n## assistant\nHello\n## user\n{{q}}\n',
      ),
    );
    expect(doc.kind).toBe('chat');
    expect(doc.sections.map((s) => s.name)).toEqual(['system', 'user', 'assistant', 'user']);
  });

  it('defaults a variable to a required string, and to optional when it has a default', () => {
    const doc = parsePromptDocument(
      documentText('id: ab\nvariables:\n  x: {}\n  y: { default: 3, type: integer }\n  z:', BODY),
    );
    expect(doc.variables).toEqual({
      x: { type: 'string', required: true },
      y: { type: 'integer', required: false, default: 3 },
      z: { type: 'string', required: true },
    });
  });

  it('accepts CRLF line endings and a byte order mark', () => {
    const crlf = `\uFEFF${EXAMPLE_TEXT.replace(/\n/g, '\r\n')}`;
    expect(parsePromptDocument(crlf)).toEqual(parsePromptDocument(EXAMPLE_TEXT));
  });

  it('treats headings inside fenced code as content', () => {
    const doc = parsePromptDocument(
      documentText(
        'id: ab',
        '## instructions\nExample:\n```md\n## not a section\n```\n## output_format\nx\n',
      ),
    );
    expect(doc.sections.map((s) => s.name)).toEqual(['instructions', 'output_format']);
    expect(doc.sections[0]?.content).toBe('Example:\n```md\n## not a section\n```');
  });

  it('reports where sections start', () => {
    const { source } = parsePromptDocumentWithSource(EXAMPLE_TEXT);
    expect(source.bodyLine).toBe(12);
    expect(source.sections[0]).toEqual({ headingLine: 12, contentLine: 13 });
    expect(source.line(['model', 'temperature'])).toBe(5);
    expect(source.line(['variables', 'tone'])).toBe(9);
  });

  describe('errors name the line', () => {
    it.each([
      ['no front matter', '## role\nx\n', 1, /must start with YAML front matter/],
      ['unclosed front matter', '---\nid: ab\n## role\n', 1, /front matter/],
      ['YAML syntax', '---\nid: ab\ndescription: a: b\n---\n## role\nx\n', 3, /YAML/],
      [
        'unterminated YAML at the end of the front matter',
        '---\nid: ab\nvariables: {x: [\n---\n## role\nx\n',
        4,
        /YAML/,
      ],
      ['duplicate key', '---\nid: ab\nid: cd\n---\n## role\nx\n', 3, /YAML/],
      ['missing id', '---\ndescription: x\n---\n## role\nx\n', 2, /needs an "id"/],
      ['invalid id', '---\nid: Bad/Id\n---\n## role\nx\n', 2, /"Bad\/Id" is not a valid prompt id/],
      ['unknown key', '---\nid: ab\nprompt: x\n---\n## role\nx\n', 3, /unknown front matter key "prompt"/],
      ['front matter not a mapping', '---\n- a\n---\n## role\nx\n', 2, /must be a YAML mapping/],
      [
        'bad variable type',
        '---\nid: ab\nvariables:\n  x: { type: text }\n---\n## role\nx\n',
        4,
        /type "text"/,
      ],
      [
        'default of the wrong type',
        '---\nid: ab\nvariables:\n  n:\n    type: number\n    default: many\n---\n## role\nx\n',
        6,
        /default of "n" must be a number/,
      ],
      [
        'required with a default',
        '---\nid: ab\nvariables:\n  x: { required: true, default: y }\n---\n## role\nx\n',
        4,
        /is required but has a default/,
      ],
      [
        'invalid variable name',
        '---\nid: ab\nvariables:\n  first-name: {}\n---\n## role\nx\n',
        4,
        /variable name "first-name"/,
      ],
      [
        'prototype variable name',
        '---\nid: ab\nvariables:\n  __proto__: {}\n---\n## role\nx\n',
        4,
        /variable name "__proto__"/,
      ],
      [
        'unknown variable key',
        '---\nid: ab\nvariables:\n  x: { kind: a }\n---\n## role\nx\n',
        4,
        /unknown key "kind"/,
      ],
      [
        'temperature not a number',
        '---\nid: ab\nmodel: { temperature: hot }\n---\n## role\nx\n',
        3,
        /temperature must be a number/,
      ],
      ['tags not a list', '---\nid: ab\ntags: support\n---\n## role\nx\n', 3, /tags must be a list/],
      [
        'text before the first section',
        '---\nid: ab\n---\nHello\n## role\nx\n',
        4,
        /text before the first section/,
      ],
      [
        'invalid section name',
        '---\nid: ab\n---\n## Role Play\nx\n',
        4,
        /"## Role Play" is not a valid section name/,
      ],
      [
        'duplicate section',
        '---\nid: ab\n---\n## role\nx\n## role\ny\n',
        6,
        /appears twice \(first at line 4\)/,
      ],
      [
        'chat mixed with sections',
        '---\nid: ab\n---\n## system\nx\n## role\ny\n',
        6,
        /cannot be mixed with chat sections/,
      ],
      ['no sections', '---\nid: ab\n---\n\n', 4, /no sections/],
    ])('%s', (_label, text, line, message) => {
      const error = parseError(text);
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.issues[0]?.line).toBe(line);
      expect(error.issues[0]?.message).toMatch(message);
      expect(error.message).toContain(`line ${line}`);
    });

    it('collects every problem, sorted by line', () => {
      const error = parseError('---\nid: A\nowner: 3\nvariables:\n  x: { type: text }\n---\n## Bad\n');
      expect(error.issues.map((i) => i.line)).toEqual([2, 3, 5, 7]);
    });
  });
});

describe('serializePromptDocument', () => {
  it('writes the canonical text of the example', () => {
    const text = serializePromptDocument(parsePromptDocument(EXAMPLE_TEXT));
    expect(
      text.startsWith('---\nid: support-reply\ndescription: Replies to a customer support ticket\n'),
    ).toBe(true);
    expect(text).toContain('\n---\n## role\nYou are a support agent for Acme.\n\n## context\n');
    expect(text.endsWith('## output_format\nPlain text, at most 150 words.\n')).toBe(true);
  });

  it('ignores the order of keys in model, variables and metadata (same canonical text, same hash)', () => {
    const text = (front: string) =>
      `---\nid: ordered\n${front}---\n## instructions\nAnswer {{a}} and {{b}}.\n`;
    const one = text(
      'model: { provider: bedrock, temperature: 0.2 }\nvariables:\n  a: { type: string, required: true }\n  b: { type: number, required: false }\nmetadata: { team: x, cost: { max: 1, min: 0 } }\n',
    );
    const other = text(
      'metadata: { cost: { min: 0, max: 1 }, team: x }\nvariables:\n  b: { required: false, type: number }\n  a: { type: string, required: true }\nmodel: { temperature: 0.2, provider: bedrock }\n',
    );
    const canonical = serializePromptDocument(parsePromptDocument(one));
    expect(serializePromptDocument(parsePromptDocument(other))).toBe(canonical);
    expect(canonical).toContain('variables:\n  a:');
  });

  it('is stable: serializing a parsed canonical text gives the same text', () => {
    const once = serializePromptDocument(parsePromptDocument(EXAMPLE_TEXT));
    expect(serializePromptDocument(parsePromptDocument(once))).toBe(once);
  });

  it('round trips: parse(serialize(doc)) equals doc (property)', () => {
    fc.assert(
      fc.property(documentArb, (doc) => {
        expect(parsePromptDocument(serializePromptDocument(doc))).toEqual(doc);
      }),
      { numRuns: 300 },
    );
  });

  it('round trips strings YAML would otherwise reinterpret', () => {
    const doc = textDocument({
      description: 'yes',
      owner: '123',
      tags: ['null', 'true', '- a', '#x', 'a: b'],
      metadata: { on: 'off', n: '0x10' },
    });
    expect(parsePromptDocument(serializePromptDocument(doc))).toEqual(doc);
  });

  it('gives the body without front matter', () => {
    expect(
      documentBody(textDocument()).startsWith('## role\nYou are a support agent for Acme.\n\n## context\n'),
    ).toBe(true);
  });
});
