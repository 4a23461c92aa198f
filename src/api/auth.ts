import { createHash, timingSafeEqual } from 'node:crypto';
import { unauthenticated } from '../core/errors.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** The key a request presents: `x-api-key`, or `Authorization: Bearer` (what the SDK sends). */
export function presentedKey(headers: Headers): string | null {
  const apiKey = headers.get('x-api-key');
  if (apiKey) return apiKey.trim();
  const authorization = headers.get('authorization');
  const match = authorization?.match(/^Bearer\s+(.+)$/i);
  return match?.[1]?.trim() ?? null;
}

/** The accepted keys' digests, computed once per key list instead of on every request. */
const acceptedDigests = new WeakMap<readonly string[], Buffer[]>();

/** Throws 401 unless the request carries one of `keys`. Compared by digest in constant time. */
export function authenticate(headers: Headers, keys: readonly string[]): void {
  const key = presentedKey(headers);
  if (!key) throw unauthenticated('Missing API key: send it as `x-api-key` or `Authorization: Bearer <key>`.');
  let accepted = acceptedDigests.get(keys);
  if (!accepted) acceptedDigests.set(keys, (accepted = keys.map(digest)));
  const presented = digest(key);
  if (!accepted.some((expected) => timingSafeEqual(presented, expected))) {
    throw unauthenticated('Invalid API key.');
  }
}
