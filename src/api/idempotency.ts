import { createHmac } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ApiError, conflict, invalidRequest } from '../core/errors.js';
import type { IdempotencyStore } from '../core/idempotency.js';
import type { BodyVariables } from './requestBody.js';

const MAX_KEY_LENGTH = 255;

/**
 * `Idempotency-Key` on any POST: the first response is stored for 24 h and replayed for a
 * retry with the same body; the same key with a different request is a 409. The SDK retries
 * POSTs on timeouts and 5xx without a key of its own, so callers pass one via `headers`.
 * 5xx answers are not stored: the request may not have acted, and a retry should try again.
 */
export function idempotency(
  store: IdempotencyStore,
  fingerprintKey: string,
): MiddlewareHandler<{ Variables: BodyVariables }> {
  return async (c, next) => {
    const key = c.req.header('idempotency-key');
    if (c.req.method !== 'POST' || key === undefined) return next();
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw invalidRequest(`Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} characters.`);
    }
    const body = c.get('body');
    // Keyed: a stored plain hash of a credential create would let a weak secret be guessed offline.
    const fingerprint = createHmac('sha256', fingerprintKey)
      .update(`${c.req.method} ${c.req.path}\n${body}`)
      .digest('hex');
    const claim = await store.claim(key, fingerprint, Date.now());
    if (claim.state === 'mismatch') {
      throw conflict('Idempotency-Key was already used for a different request.', {
        errorCode: 'idempotency_key_reused',
      });
    }
    if (claim.state === 'in_flight') {
      // Retryable on purpose: the first request is still running; the SDK's retry will see its answer.
      throw new ApiError(409, 'conflict_error', 'A request with this Idempotency-Key is still in progress.');
    }
    if (claim.state === 'replay') {
      // A replay always gives the same answer, so a retry can never help: without this a stored
      // 409 (or 429) would lose its `x-should-retry: false` and the SDK would retry it in vain.
      return new Response(claim.response.body, {
        status: claim.response.status,
        headers: { 'content-type': 'application/json', 'idempotent-replayed': 'true', 'x-should-retry': 'false' },
      });
    }
    try {
      await next();
    } catch (error) {
      await store.releaseKey(key);
      throw error;
    }
    if (c.res.status >= 500) {
      await store.releaseKey(key);
      return;
    }
    await store.complete(key, { status: c.res.status, body: await c.res.clone().text() });
  };
}
