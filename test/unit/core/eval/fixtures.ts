import { parsePromptDocument } from '../../../../src/core/document.ts';

/** A text prompt with one required and one optional variable. */
export const PROMPT = parsePromptDocument(`---
id: support-reply
model: { provider: bedrock, id: anthropic.claude-3-haiku-20240307-v1:0, temperature: 0.2, maxTokens: 300 }
variables:
  customer_name: { type: string, required: true }
  tone: { type: string, default: friendly }
  count: { type: integer, required: false }
---
## role
You are a support agent.

## instructions
Greet {{customer_name}} in a {{tone}} tone. Never promise refunds.
`);

/** A chat prompt: a system turn and a user turn. */
export const CHAT_PROMPT = parsePromptDocument(`---
id: chat-reply
variables:
  question: { type: string, required: true }
---
## system
Answer briefly.

## user
{{question}}
`);
