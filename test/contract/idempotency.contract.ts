import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IDEMPOTENCY_STALE_CLAIM_MS, IDEMPOTENCY_TTL_MS, type IdempotencyStore } from '../../src/core/idempotency.js';
import type { MakeStore, StoreHandle } from './support.js';

const response = { status: 201, body: '{"id":"sesn_1","type":"session"}' };

export function idempotencyContract(name: string, makeStore: MakeStore<IdempotencyStore>): void {
  describe(`IdempotencyStore contract: ${name}`, () => {
    let handle: StoreHandle<IdempotencyStore>;
    let store: IdempotencyStore;
    const now = Date.now();

    beforeEach(async () => {
      handle = await makeStore();
      store = handle.store;
    });
    afterEach(async () => {
      await handle.close();
    });

    it('claims a new key, then reports it in flight until completed', async () => {
      expect(await store.claim('key-1', 'fp-a', now)).toEqual({ state: 'claimed' });
      expect(await store.claim('key-1', 'fp-a', now + 1)).toEqual({ state: 'in_flight' });
      expect(await store.claim('key-2', 'fp-a', now + 1)).toEqual({ state: 'claimed' });
    });

    it('replays the stored response after completion', async () => {
      await store.claim('key-1', 'fp-a', now);
      await store.complete('key-1', response);
      expect(await store.claim('key-1', 'fp-a', now + 1)).toEqual({ state: 'replay', response });
      expect(await store.claim('key-1', 'fp-a', now + 2)).toEqual({ state: 'replay', response });
    });

    it('reports a mismatch for a different fingerprint, in flight or completed', async () => {
      await store.claim('key-1', 'fp-a', now);
      expect(await store.claim('key-1', 'fp-b', now + 1)).toEqual({ state: 'mismatch' });
      await store.complete('key-1', response);
      expect(await store.claim('key-1', 'fp-b', now + 2)).toEqual({ state: 'mismatch' });
    });

    it('lets exactly one of many concurrent claims win', async () => {
      const claims = await Promise.all(Array.from({ length: 10 }, () => store.claim('key-1', 'fp-a', now)));
      expect(claims.filter((claim) => claim.state === 'claimed')).toHaveLength(1);
      expect(claims.filter((claim) => claim.state === 'in_flight')).toHaveLength(9);
    });

    it('forgets a released claim so a retry may act', async () => {
      await store.claim('key-1', 'fp-a', now);
      await store.releaseKey('key-1');
      expect(await store.claim('key-1', 'fp-b', now + 1)).toEqual({ state: 'claimed' });
      await store.releaseKey('never-claimed');
    });

    it('keeps a completed response even if the key is released', async () => {
      await store.claim('key-1', 'fp-a', now);
      await store.complete('key-1', response);
      await store.releaseKey('key-1');
      expect(await store.claim('key-1', 'fp-a', now + 1)).toEqual({ state: 'replay', response });
    });

    it('keeps entries for 24 hours, then purges them so the key can be claimed anew', async () => {
      await store.claim('done', 'fp-a', now);
      await store.complete('done', response);
      const nearlyExpired = now + IDEMPOTENCY_TTL_MS - 1_000;
      expect(await store.claim('done', 'fp-a', nearlyExpired)).toEqual({ state: 'replay', response });
      const later = now + IDEMPOTENCY_TTL_MS + 1_000;
      expect(await store.claim('done', 'fp-b', later)).toEqual({ state: 'claimed' });
      expect(await store.claim('done', 'fp-b', later + 1)).toEqual({ state: 'in_flight' });
    });

    it('lets a retry take over a claim whose request died unfinished, after a minute, not before', async () => {
      await store.claim('stuck', 'fp-a', now);
      expect(await store.claim('stuck', 'fp-a', now + IDEMPOTENCY_STALE_CLAIM_MS - 1)).toEqual({ state: 'in_flight' });
      expect(await store.claim('stuck', 'fp-b', now + IDEMPOTENCY_STALE_CLAIM_MS + 1)).toEqual({ state: 'mismatch' });
      expect(await store.claim('stuck', 'fp-a', now + IDEMPOTENCY_STALE_CLAIM_MS + 1)).toEqual({ state: 'claimed' });
      // The takeover is itself a fresh claim: a concurrent retry waits for it.
      expect(await store.claim('stuck', 'fp-a', now + IDEMPOTENCY_STALE_CLAIM_MS + 2)).toEqual({ state: 'in_flight' });
    });
  });
}
