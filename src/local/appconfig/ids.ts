/**
 * AppConfig-style resource ids (7 characters of a-z and 0-9), derived from the resource's kind, scope
 * and name, so the same names give the same ids on every machine and after the state is wiped. A
 * second resource with a taken id (another name colliding, or AppConfig's allowed duplicate names)
 * takes the next candidate in a fixed sequence.
 */
import { createHash } from 'node:crypto';

const ID_LENGTH = 7;

export type ResourceKind =
  | 'application'
  | 'environment'
  | 'profile'
  | 'strategy'
  | 'extension'
  | 'extensionAssociation';

export function resourceId(
  kind: ResourceKind,
  scope: string,
  name: string,
  isTaken: (id: string) => boolean,
): string {
  for (let attempt = 0; ; attempt++) {
    const id = candidateId(`${kind}\u0000${scope}\u0000${name}\u0000${attempt}`);
    if (!isTaken(id)) return id;
  }
}

function candidateId(seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  return digest.readBigUInt64BE(0).toString(36).padStart(ID_LENGTH, '0').slice(-ID_LENGTH);
}

/** A stable bucket 0 to 99 for a client id (AppConfig's deprecated GetConfiguration `client_id`). */
export function bucketOf(clientId: string): number {
  return createHash('sha256').update(clientId).digest().readUInt32BE(0) % 100;
}
