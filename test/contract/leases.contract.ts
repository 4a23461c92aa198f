import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Leases } from '../../src/core/leases.js';
import { newId } from '../../src/protocol/ids.js';
import { sleep, type MakeStore, type StoreHandle } from './support.js';

/** Long enough that a test never sees it expire by accident. */
const LONG = 60_000;
/** Short enough to wait out. */
const SHORT = 30;

export function leasesContract(name: string, makeStore: MakeStore<Leases>): void {
  describe(`Leases contract: ${name}`, () => {
    let handle: StoreHandle<Leases>;
    let store: Leases;
    let session: string;

    beforeEach(async () => {
      handle = await makeStore();
      store = handle.store;
      session = newId('session');
    });
    afterEach(async () => {
      await handle.close();
    });

    it('grants a free lease at epoch 1', async () => {
      const before = Date.now();
      const lease = await store.acquire(session, 'worker-a', LONG);
      expect(lease).toMatchObject({ sessionId: session, holder: 'worker-a', epoch: 1 });
      expect(lease!.expiresAt).toBeGreaterThanOrEqual(before + LONG);
      expect(lease!.expiresAt).toBeLessThanOrEqual(Date.now() + LONG);
    });

    it('blocks another holder while the lease is unexpired', async () => {
      const a = (await store.acquire(session, 'worker-a', LONG))!;
      expect(await store.acquire(session, 'worker-b', LONG)).toBeNull();
      expect(await store.renew(a, LONG)).toBe(true);
    });

    it('lets exactly one of many concurrent acquirers win', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.acquire(session, `worker-${i}`, LONG)),
      );
      const winners = results.filter((lease) => lease !== null);
      expect(winners).toHaveLength(1);
      expect(winners[0]!.epoch).toBe(1);
    });

    it('bumps the epoch when the same holder re-acquires, superseding the earlier lease', async () => {
      const first = (await store.acquire(session, 'worker-a', LONG))!;
      const second = (await store.acquire(session, 'worker-a', LONG))!;
      expect(second.epoch).toBe(first.epoch + 1);
      expect(await store.renew(first, LONG)).toBe(false);
      expect(await store.renew(second, LONG)).toBe(true);
    });

    it('hands an expired lease to another holder with a higher epoch; the old holder loses it', async () => {
      const a = (await store.acquire(session, 'worker-a', SHORT))!;
      await sleep(SHORT * 2);
      const b = (await store.acquire(session, 'worker-b', LONG))!;
      expect(b).toMatchObject({ holder: 'worker-b' });
      expect(b.epoch).toBeGreaterThan(a.epoch);
      expect(await store.renew(a, LONG)).toBe(false);
      expect(await store.acquire(session, 'worker-a', LONG)).toBeNull();
      expect(await store.renew(b, LONG)).toBe(true);
    });

    it('renewing extends the lease past its first expiry', async () => {
      const a = (await store.acquire(session, 'worker-a', 200))!;
      expect(await store.renew(a, LONG)).toBe(true);
      expect(a.expiresAt).toBeGreaterThan(Date.now() + LONG / 2);
      await sleep(300);
      expect(await store.acquire(session, 'worker-b', LONG)).toBeNull();
      expect(await store.renew(a, LONG)).toBe(true);
    });

    it('frees the lease on release: another holder acquires at once with a higher epoch', async () => {
      const a = (await store.acquire(session, 'worker-a', LONG))!;
      await store.release(a);
      expect(await store.renew(a, LONG)).toBe(false);
      const b = (await store.acquire(session, 'worker-b', LONG))!;
      expect(b).not.toBeNull();
      expect(b.epoch).toBeGreaterThan(a.epoch);
    });

    it('ignores a release by a holder that already lost the lease', async () => {
      const a = (await store.acquire(session, 'worker-a', SHORT))!;
      await sleep(SHORT * 2);
      const b = (await store.acquire(session, 'worker-b', LONG))!;
      await store.release(a);
      expect(await store.acquire(session, 'worker-c', LONG)).toBeNull();
      expect(await store.renew(b, LONG)).toBe(true);
    });

    it('keeps leases per session', async () => {
      const other = newId('session');
      await store.acquire(session, 'worker-a', LONG);
      await store.acquire(session, 'worker-a', LONG);
      const b = await store.acquire(other, 'worker-b', LONG);
      expect(b).toMatchObject({ sessionId: other, holder: 'worker-b', epoch: 1 });
    });
  });
}
