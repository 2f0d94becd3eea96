/**
 * `render`: one compiled prompt rendered with all its variables, against mustache.js rendering the
 * same body text. Both sides are compiled or parsed once up front; only rendering is timed.
 */
import assert from 'node:assert/strict';
import Mustache from 'mustache';
import { documentBody, parsePromptDocument } from '../src/core/document.ts';
import { compilePrompt } from '../src/core/prompt.ts';
import { type BenchResult, evaluate, measure } from './harness.ts';

const DOCUMENT = `---
id: support-reply
description: Replies to a customer support ticket
variables:
  customer_name: { type: string, required: true }
  product: { type: string, required: true }
  ticket: { type: string, required: true }
  tone: { type: string, default: friendly }
  extra: { type: string, required: false }
---
## role
You are a senior support agent for Acme Cloud. You know the {{product}} product well.

## context
Customer: {{customer_name}}
{{#extra}}
Notes from the account team: {{extra}}
{{/extra}}

## instructions
Read the ticket below and write a reply in a {{tone}} tone. Address the customer by name,
restate the problem in one sentence, then give numbered steps that solve it.

Ticket:
{{ticket}}

## guardrails
Never promise refunds, credits or delivery dates.
If the ticket mentions a security incident, escalate instead of answering.

## output_format
Plain text, at most 150 words, no Markdown headings. End with "— Acme Support".
`;

const VALUES = {
  customer_name: 'Dana',
  product: 'Acme Queue',
  ticket: 'Since this morning our consumers stop receiving messages after about ten minutes.',
  tone: 'calm, precise',
  extra: 'Renewal due next month; prefers email over phone.',
};

const BATCH = 200;

export default async function render(): Promise<BenchResult[]> {
  const document = parsePromptDocument(DOCUMENT);
  const body = documentBody(document);
  const prompt = compilePrompt({ body, variables: document.variables });

  Mustache.escape = (text: string) => text;
  Mustache.parse(body);

  const ours = prompt.render(VALUES);
  const theirs = Mustache.render(body, VALUES);
  assert.equal(typeof ours, 'string');
  // Same text once Mustache's copy loses the `## name` headings and both lose blank lines, which is
  // the only thing compilePrompt does differently (it joins sections with one blank line).
  const contentLines = (text: string, headings: boolean) =>
    text.split('\n').filter((line) => line.trim() !== '' && !(headings && /^## [a-z_]+$/.test(line)));
  assert.deepEqual(contentLines(ours as string, false), contentLines(theirs, true));
  for (const value of Object.values(VALUES)) assert.ok((ours as string).includes(value), value);

  const mustache = await measure('mustache-render', () => Mustache.render(body, VALUES), { batch: BATCH });
  const compiled = await measure('render', () => prompt.render(VALUES), { batch: BATCH });

  return [
    evaluate({
      name: 'render',
      unit: 'µs',
      value: compiled.p50,
      baseline: 'mustache-render',
      baselineValue: mustache.p50,
      ratio: mustache.p50 / compiled.p50,
      budget: { minRatio: 5 },
    }),
    { name: 'mustache-render', unit: 'µs', value: mustache.p50 },
  ];
}
