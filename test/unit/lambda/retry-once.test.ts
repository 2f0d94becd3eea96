/** A write after a commit point is tried once more on a store error, never on a domain error. */
import { describe, expect, it } from 'vitest';
import { retryOnce } from '../../../lambda/runtime/retry-once.ts';
import { NotFoundError } from '../../../src/core/errors.ts';

const timeout = () => Object.assign(new Error('The operation was aborted'), { name: 'TimeoutError' });

describe('Function: retryOnce', () => {
  it('answers the second attempt when the first answered a store error', async () => {
    let attempts = 0;
    const result = await retryOnce(async () => {
      attempts++;
      if (attempts === 1) throw timeout();
      return 'written';
    });
    expect(result).toBe('written');
    expect(attempts).toBe(2);
  });

  it('throws the second error when both attempts fail, after exactly two', async () => {
    let attempts = 0;
    await expect(
      retryOnce(async () => {
        attempts++;
        throw Object.assign(timeout(), { message: `attempt ${attempts}` });
      }),
    ).rejects.toThrow('attempt 2');
    expect(attempts).toBe(2);
  });

  it('does not retry a domain error: it is the answer', async () => {
    let attempts = 0;
    await expect(
      retryOnce(async () => {
        attempts++;
        throw new NotFoundError('Prompt x has no version 1.0.0');
      }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(attempts).toBe(1);
  });
});
