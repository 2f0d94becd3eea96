import { describe, expect, it } from 'vitest';
import { keyedFeedbackId } from '../../../lambda/feedback/keyed-feedback-id.ts';

const request = {
  route: 'POST /feedback',
  caller: 'arn:aws:iam::123456789012:user/alice',
  idempotencyKey: 'key-1',
  body: '{"promptId":"support-reply","version":"1.0.0","environment":"prod","rating":1}',
};

describe('Function: keyedFeedbackId', () => {
  it('gives a retry of the same request the same id, in UUID form (version 8)', () => {
    const id = keyedFeedbackId(request);
    expect(keyedFeedbackId({ ...request })).toBe(id);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('gives another caller, key or body another id', () => {
    const id = keyedFeedbackId(request);
    const others = [
      keyedFeedbackId({ ...request, caller: 'arn:aws:iam::123456789012:user/bob' }),
      keyedFeedbackId({ ...request, idempotencyKey: 'key-2' }),
      keyedFeedbackId({ ...request, body: request.body.replace('"rating":1', '"rating":-1') }),
    ];
    expect(new Set([id, ...others]).size).toBe(4);
  });

  it('gives none without an Idempotency-Key (the post keeps a random id)', () => {
    expect(keyedFeedbackId({ ...request, idempotencyKey: undefined })).toBeUndefined();
  });
});
