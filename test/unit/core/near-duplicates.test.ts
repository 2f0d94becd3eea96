import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePromptDocument } from '../../../src/core/document.ts';
import {
  type ComparedPrompt,
  findNearDuplicates,
  jaccard,
  shingles,
  similarPrompts,
} from '../../../src/core/near-duplicates.ts';

function prompt(id: string, sections: Record<string, string>, version = '1.0.0'): ComparedPrompt {
  const body = Object.entries(sections)
    .map(([name, text]) => `## ${name}\n${text}\n`)
    .join('\n');
  const text = `---\nid: ${id}\ndescription: ${id}\nvariables:\n  ticket: { type: string, required: false }\n---\n${body}`;
  return { id, version, document: parsePromptDocument(text) };
}

// A library as teams grow one: two copies of a support prompt edited apart, and prompts that share the
// house boilerplate (role opening, output format) but do different jobs.
const SUPPORT = {
  role: 'You are a support agent for Acme, a company that sells garden tools online.',
  instructions:
    'Read the customer ticket below and answer it in a friendly tone. Thank the customer for writing, restate the problem in one sentence, and give the next step they should take. If the order number is missing, ask for it politely. {{ticket}}',
  guardrails: 'Never promise refunds or delivery dates. Never share another customer’s details.',
  output_format: 'Plain text, at most 150 words.',
};
const SUPPORT_COPY = {
  ...SUPPORT,
  role: 'You are a support agent for Acme, a company that sells garden tools and seeds online.',
  instructions: SUPPORT.instructions.replace('friendly tone', 'warm tone'),
};
const LIBRARY: ComparedPrompt[] = [
  prompt('support-reply', SUPPORT),
  prompt('support-answer', SUPPORT_COPY),
  prompt('refund-triage', {
    role: 'You are a support agent for Acme, a company that sells garden tools online.',
    instructions:
      'Classify the refund request below as eligible, ineligible or unclear under the 30-day return policy, and name the rule that decides it. {{ticket}}',
    guardrails: 'Never approve or refuse a refund yourself; only classify it.',
    output_format: 'Plain text, at most 150 words.',
  }),
  prompt('release-notes', {
    role: 'You are a technical writer for Acme.',
    instructions:
      'Turn the list of merged pull requests below into release notes grouped by feature, fix and chore, each line starting with a verb. {{ticket}}',
    output_format: 'Markdown, at most 150 words.',
  }),
  prompt('sql-helper', {
    role: 'You write PostgreSQL for analysts.',
    instructions:
      'Write one read-only SQL query that answers the question below against the orders and customers tables, and explain it in one sentence. {{ticket}}',
    guardrails: 'Never write INSERT, UPDATE, DELETE or DDL statements.',
    output_format: 'A fenced sql block, then the sentence.',
  }),
  prompt('translate-ticket', {
    role: 'You are a support agent for Acme, a company that sells garden tools online.',
    instructions:
      'Translate the customer ticket below into English, keeping names, order numbers and product codes unchanged. {{ticket}}',
    output_format: 'Plain text, at most 150 words.',
  }),
];

describe('Function: shingles', () => {
  it('makes lowercased word 3-grams, keeping variables by name', () => {
    expect([...shingles('Answer {{Ticket}} NOW, please')]).toEqual([
      'answer ticket now',
      'ticket now please',
    ]);
  });

  it('keeps a short text as one shingle and an empty one as none', () => {
    expect([...shingles('Plain text')]).toEqual(['plain text']);
    expect(shingles('  ').size).toBe(0);
  });
});

describe('Function: findNearDuplicates', () => {
  it('finds the edited copy and nothing else among prompts that share boilerplate', () => {
    const pairs = findNearDuplicates(LIBRARY);
    expect(pairs).toHaveLength(1);
    const [pair] = pairs;
    expect(pair?.a).toEqual({ id: 'support-answer', version: '1.0.0' });
    expect(pair?.b).toEqual({ id: 'support-reply', version: '1.0.0' });
    expect(pair?.similarity).toBeGreaterThanOrEqual(0.8);
    expect(pair?.similarity).toBeLessThan(1);
    // Sections the copy left alone are identical; the edited ones are named lower.
    expect(pair?.sections.slice(0, 2)).toEqual([
      { section: 'guardrails', similarity: 1 },
      { section: 'output_format', similarity: 1 },
    ]);
    expect(pair?.sections.map((s) => s.section)).toEqual([
      'guardrails',
      'output_format',
      'instructions',
      'role',
    ]);
  });

  it('leaves the distinct prompts far below the threshold, shared boilerplate and all', () => {
    const [target, , ...distinct] = LIBRARY;
    const scores = similarPrompts(target as ComparedPrompt, distinct, 0.001).map((p) => p.similarity);
    expect(scores.length).toBeGreaterThan(0);
    for (const score of scores) expect(score).toBeLessThan(0.4);
  });

  it('refuses a threshold under 0.7, where the index would miss pairs', () => {
    expect(() => findNearDuplicates(LIBRARY, 0.6)).toThrow(/threshold must be from 0.7 to 1/);
    expect(() => findNearDuplicates(LIBRARY, 1.5)).toThrow(/threshold must be from 0.7 to 1/);
  });

  it('does not compare two versions of the same prompt', () => {
    const v1 = prompt('support-reply', SUPPORT, '1.0.0');
    const v2 = prompt('support-reply', SUPPORT_COPY, '1.1.0');
    expect(findNearDuplicates([v1, v2])).toEqual([]);
  });

  it('agrees with comparing every pair exactly (MinHash only proposes candidates)', () => {
    const vocabulary =
      'answer ticket refund order polite garden tools never promise plain reply customer week'.split(' ');
    const words = fc.array(fc.constantFrom(...vocabulary), { minLength: 20, maxLength: 40 });
    // Each text comes with a copy that has a few words changed, so some pairs are above the threshold.
    const textAndCopy = words.chain((original) =>
      fc
        .array(fc.tuple(fc.nat(original.length - 1), fc.constantFrom(...vocabulary)), { maxLength: 4 })
        .map((edits) => {
          const copy = [...original];
          for (const [at, word] of edits) copy[at] = word;
          return [original.join(' '), copy.join(' ')];
        }),
    );
    const library = fc.array(textAndCopy, { minLength: 1, maxLength: 4 }).map((pairs) => pairs.flat());
    let truePairs = 0;
    fc.assert(
      fc.property(library, fc.double({ min: 0.7, max: 1, noNaN: true }), (texts, threshold) => {
        const prompts = texts.map((t, i) => prompt(`p-${i}`, { instructions: t }));
        const found = findNearDuplicates(prompts, threshold).map((p) => `${p.a.id}|${p.b.id}`);
        const expected: string[] = [];
        for (let i = 0; i < texts.length; i++)
          for (let j = i + 1; j < texts.length; j++) {
            const tagged = (t: string) => new Set([...shingles(t)].map((s) => `instructions:${s}`));
            if (jaccard(tagged(texts[i] as string), tagged(texts[j] as string)) >= threshold)
              expected.push(`p-${i}|p-${j}`);
          }
        // A true pair at 0.7 or more is missed with probability < 2e-5; the seed makes the run repeatable.
        expect(found.sort()).toEqual(expected.sort());
        truePairs += expected.length;
      }),
      { seed: 2024, numRuns: 200 },
    );
    // The examples held near-duplicates to find, not only distinct texts.
    expect(truePairs).toBeGreaterThan(50);
  });
});

describe('Function: similarPrompts', () => {
  it('answers the prompts alike to one target, leaving the target out', () => {
    const [target, ...others] = LIBRARY;
    const similar = similarPrompts(target as ComparedPrompt, [target as ComparedPrompt, ...others]);
    expect(similar.map((p) => p.b.id)).toEqual(['support-answer']);
  });

  it('answers nothing for a prompt with no near-duplicate', () => {
    const sql = LIBRARY.find((p) => p.id === 'sql-helper') as ComparedPrompt;
    expect(similarPrompts(sql, LIBRARY)).toEqual([]);
  });
});
