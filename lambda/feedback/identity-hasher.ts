/**
 * Keyed hashes of user and session ids: HMAC-SHA-256 under a per-deployment secret, so feedback can
 * be grouped per user while the ids themselves are never stored. Without the secret a hash cannot be
 * recomputed from a guessed id. The kind is part of the message, so a user id and a session id with
 * the same text hash differently and cannot be joined.
 */
import { createHmac } from 'node:crypto';
import type { IdentityHasher } from '../ports.ts';

/** Shorter secrets are a deployment mistake: user ids are guessable, the secret is the protection. */
export const MIN_SECRET_LENGTH = 16;

export class HmacIdentityHasher implements IdentityHasher {
  readonly #secret: string;

  constructor(secret: string) {
    if (secret.length < MIN_SECRET_LENGTH)
      throw new Error(
        `The feedback hash secret has ${secret.length} characters; use a random value of at least ${MIN_SECRET_LENGTH}`,
      );
    this.#secret = secret;
  }

  hash(kind: 'user' | 'session', value: string): string {
    return createHmac('sha256', this.#secret).update(`${kind}:${value}`, 'utf8').digest('hex');
  }
}
