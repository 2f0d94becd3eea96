/**
 * The prompt the render benchmarks share: about 600 characters of body, five variables, one optional
 * block. Every rendering side (ours, mustache.js, the client, Powertools) renders this one.
 */
export const BENCH_DOCUMENT = `---
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
{{ticket}}

## guardrails
Never promise refunds, credits or delivery dates; escalate security incidents to the on-call team.

## output_format
Plain text, at most 150 words. End with "- Acme Support".
`;

export const BENCH_VALUES = {
  customer_name: 'Dana',
  product: 'Acme Queue',
  ticket: 'Consumers stop receiving messages after ten minutes.',
  tone: 'calm',
  extra: 'Renewal due next month.',
};
