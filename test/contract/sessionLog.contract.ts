import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StaleEpochError } from '../../src/core/errors.js';
import type { Leases } from '../../src/core/leases.js';
import type { ResourceStore } from '../../src/core/resourceStore.js';
import type { NewEvent, SessionLog, StoredEvent } from '../../src/core/sessionLog.js';
import { emptySessionSummary, foldSessionSummary } from '../../src/core/sessionSummary.js';
import { newId } from '../../src/protocol/ids.js';
import { UnknownSessionError } from '../../src/core/errors.js';
import {
  clockPast,
  collectProcessErrors,
  sessionRecord,
  sleep,
  tick,
  waitFor,
  type MakeStore,
  type StoreHandle,
} from './support.js';

/** A session log lives beside its session record and is fenced by the session's lease. */
export type SessionLogStore = SessionLog & ResourceStore & Leases;

const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
const seqs = (events: readonly StoredEvent[]) => events.map((event) => event.seq);
const ev = (type = 'agent.message', data: Record<string, unknown> = {}): NewEvent => ({ type, data });

/** Records every delivery of one subscription. */
function record(store: SessionLog, sessionId: string, afterSeq: number) {
  const sub = { afterSeq, events: [] as StoredEvent[], calls: 0, stop: () => {} };
  sub.stop = store.subscribe(sessionId, afterSeq, (events) => {
    sub.calls += 1;
    if (events.length === 0) throw new Error('listener called with an empty batch');
    sub.events.push(...events);
  });
  return sub;
}

export function sessionLogContract(name: string, makeStore: MakeStore<SessionLogStore>): void {
  describe(`SessionLog contract: ${name}`, () => {
    let handle: StoreHandle<SessionLogStore>;
    let store: SessionLogStore;
    const createSession = async (status: string | null = 'idle') => {
      const id = newId('session');
      await store.insert(sessionRecord(id, status));
      return id;
    };

    beforeEach(async () => {
      handle = await makeStore();
      store = handle.store;
    });
    afterEach(async () => {
      await handle.close();
    });

    describe('append', () => {
      it('rejects appends to a session that does not exist', async () => {
        await expect(store.append(newId('session'), [ev()])).rejects.toBeInstanceOf(UnknownSessionError);
      });

      it('numbers events from 1, gap-free across batches', async () => {
        const s = await createSession();
        expect(await store.lastSeq(s)).toBe(0);
        expect(seqs(await store.append(s, [ev(), ev(), ev()]))).toEqual([1, 2, 3]);
        expect(seqs(await store.append(s, [ev(), ev()]))).toEqual([4, 5]);
        expect(seqs(await store.append(s, [ev()]))).toEqual([6]);
        expect(await store.lastSeq(s)).toBe(6);
        expect(seqs(await store.read(s))).toEqual(range(1, 6));
      });

      it('keeps each session in its own sequence', async () => {
        const a = await createSession();
        const b = await createSession();
        await store.append(a, [ev(), ev()]);
        expect(seqs(await store.append(b, [ev()]))).toEqual([1]);
        expect(await store.lastSeq(a)).toBe(2);
      });

      it('accepts an empty batch without moving the head', async () => {
        const s = await createSession();
        await store.append(s, [ev()]);
        expect(await store.append(s, [])).toEqual([]);
        expect(await store.lastSeq(s)).toBe(1);
      });

      it('keeps explicit ids and generates unique sevt_ ids otherwise', async () => {
        const s = await createSession();
        const explicit = newId('event');
        const stored = await store.append(s, [{ id: explicit, type: 'agent.message' }, ev(), ev()]);
        expect(stored[0]!.id).toBe(explicit);
        expect(stored[1]!.id).toMatch(/^sevt_/);
        expect(new Set(stored.map((event) => event.id)).size).toBe(3);
        expect((await store.read(s)).map((event) => event.id)).toEqual(stored.map((event) => event.id));
      });

      it('fails a batch whole: a duplicate id inside it leaves the log untouched', async () => {
        const s = await createSession();
        await store.append(s, [ev(), ev()]);
        const sub = record(store, s, 0);
        const dup = newId('event');
        const batch = [ev(), { id: dup, type: 'session.status_running' }, { id: dup, type: 'agent.message' }];
        await expect(store.append(s, batch)).rejects.toThrow();
        expect(await store.lastSeq(s)).toBe(2);
        expect(seqs(await store.read(s))).toEqual([1, 2]);
        expect((await store.sessionSummary(s))!.status).toBe('idle');
        expect(seqs(await store.append(s, [ev(), ev()]))).toEqual([3, 4]);
        await waitFor('delivery', () => sub.events.length === 4);
        await sleep(10);
        expect(seqs(sub.events)).toEqual([1, 2, 3, 4]);
      });

      it('rejects an id already in the log and keeps the head', async () => {
        const s = await createSession();
        const [first] = await store.append(s, [ev()]);
        await expect(store.append(s, [ev(), { id: first!.id, type: 'agent.message' }])).rejects.toThrow();
        expect(await store.lastSeq(s)).toBe(1);
        expect(seqs(await store.append(s, [ev()]))).toEqual([2]);
      });

      it('calls onCommitted once the events are readable, before the append resolves; never for a failed append', async () => {
        const s = await createSession();
        const seen: number[][] = [];
        let resolved = false;
        const appending = store.append(s, [ev(), ev()], {
          onCommitted: () => {
            expect(resolved).toBe(false);
            void store.read(s).then((events) => seen.push(seqs(events)));
          },
        });
        void appending.then(() => (resolved = true));
        expect(seqs(await appending)).toEqual([1, 2]);
        await waitFor('the read started at commit', () => seen.length === 1);
        expect(seen).toEqual([[1, 2]]);

        const dup = (await store.read(s))[0]!.id;
        let calls = 0;
        const failing = store.append(s, [{ id: dup, type: 'agent.message' }], { onCommitted: () => (calls += 1) });
        const fine = store.append(s, [ev()], { onCommitted: () => (calls += 10) });
        await expect(failing).rejects.toThrow();
        expect(seqs(await fine)).toEqual([3]);
        expect(calls).toBe(10);
      });

      it('never duplicates or skips a seq under many concurrent appends', async () => {
        const a = await createSession();
        const b = await createSession();
        const pending: Promise<StoredEvent[]>[] = [];
        for (let i = 0; i < 100; i++) {
          const size = (i % 3) + 1;
          pending.push(
            store.append(
              i % 4 === 0 ? b : a,
              Array.from({ length: size }, () => ev()),
            ),
          );
        }
        const batches = await Promise.all(pending);
        for (const batch of batches)
          expect(seqs(batch)).toEqual(range(batch[0]!.seq, batch[0]!.seq + batch.length - 1));
        for (const s of [a, b]) {
          const count = batches.filter((_, i) => (i % 4 === 0) === (s === b)).reduce((n, batch) => n + batch.length, 0);
          expect(seqs(await store.read(s))).toEqual(range(1, count));
          expect(await store.lastSeq(s)).toBe(count);
        }
      });
    });

    describe('read', () => {
      const types = ['user.message', 'agent.message', 'agent.tool_use', 'agent.message'];
      const fill = async (s: string) => {
        for (let i = 0; i < 10; i++) await store.append(s, [ev(types[i % types.length], { i })]);
      };

      it('slices by afterSeq, beforeSeq and limit, in either order', async () => {
        const s = await createSession();
        await fill(s);
        expect(seqs(await store.read(s, { afterSeq: 7 }))).toEqual([8, 9, 10]);
        expect(seqs(await store.read(s, { beforeSeq: 4 }))).toEqual([1, 2, 3]);
        expect(seqs(await store.read(s, { afterSeq: 2, beforeSeq: 6 }))).toEqual([3, 4, 5]);
        expect(seqs(await store.read(s, { afterSeq: 2, limit: 3 }))).toEqual([3, 4, 5]);
        expect(seqs(await store.read(s, { order: 'desc', limit: 3 }))).toEqual([10, 9, 8]);
        expect(seqs(await store.read(s, { order: 'desc', beforeSeq: 8, limit: 3 }))).toEqual([7, 6, 5]);
        expect(seqs(await store.read(s, { order: 'desc', afterSeq: 8 }))).toEqual([10, 9]);
        expect(await store.read(s, { afterSeq: 10 })).toEqual([]);
        expect(await store.read(s, { limit: 0 })).toEqual([]);
        expect(await store.read(newId('session'))).toEqual([]);
      });

      it('filters by type, combined with position and limit', async () => {
        const s = await createSession();
        await fill(s);
        expect(seqs(await store.read(s, { types: ['agent.message'] }))).toEqual([2, 4, 6, 8, 10]);
        expect(seqs(await store.read(s, { types: ['user.message', 'agent.tool_use'] }))).toEqual([1, 3, 5, 7, 9]);
        expect(seqs(await store.read(s, { types: ['agent.message'], afterSeq: 4, limit: 2 }))).toEqual([6, 8]);
        expect(seqs(await store.read(s, { types: ['agent.message'], order: 'desc', limit: 2 }))).toEqual([10, 8]);
        expect(await store.read(s, { types: ['agent.thinking'] })).toEqual([]);
      });

      it('filters by createdAt range', async () => {
        const s = await createSession();
        const early = await store.append(s, [ev(), ev()]);
        await clockPast(early[0]!.createdAt);
        const late = await store.append(s, [ev(), ev()]);
        const t1 = early[0]!.createdAt;
        const t2 = late[0]!.createdAt;
        expect(t2 > t1).toBe(true);
        expect(seqs(await store.read(s, { createdAt: { gte: t2 } }))).toEqual([3, 4]);
        expect(seqs(await store.read(s, { createdAt: { gt: t1 } }))).toEqual([3, 4]);
        expect(seqs(await store.read(s, { createdAt: { lt: t2 } }))).toEqual([1, 2]);
        expect(seqs(await store.read(s, { createdAt: { lte: t1 } }))).toEqual([1, 2]);
        expect(seqs(await store.read(s, { createdAt: { gte: t1, lte: t2 } }))).toEqual([1, 2, 3, 4]);
        expect(await store.read(s, { createdAt: { gt: t1, lt: t2 } })).toEqual([]);
        // Any RFC 3339 spelling of the same instant selects the same events.
        const offset = new Date(Date.parse(t2)).toISOString().replace('Z', '+00:00');
        expect(seqs(await store.read(s, { createdAt: { gte: offset } }))).toEqual([3, 4]);
      });

      it('round-trips data and hidden exactly', async () => {
        const s = await createSession();
        const data = {
          content: [{ type: 'text', text: 'héllo ✓ "quoted" \n line' }],
          nested: { n: 1.5, big: 2 ** 40, neg: -3, t: true, f: false, nil: null, list: [1, 'two', { three: 3 }] },
          empty: {},
        };
        const hidden = { signature: 'sig==', summary: ['a', 'b'] };
        await store.append(s, [{ type: 'agent.thinking', data, hidden }, { type: 'agent.message' }]);
        const [withHidden, bare] = await store.read(s);
        expect(withHidden!.data).toEqual(data);
        expect(withHidden!.hidden).toEqual(hidden);
        expect(bare!.data).toEqual({});
        expect(bare!.hidden).toBeNull();
      });
    });

    describe('processedAt', () => {
      it('is createdAt for server events and null for user events until a brain takes them in', async () => {
        const s = await createSession();
        const appended = await store.append(s, [ev('user.message'), ev('system.message'), ev('agent.message')]);
        expect(appended.map((event) => event.processedAt)).toEqual([null, null, appended[2]!.createdAt]);
        expect((await store.read(s)).map((event) => event.processedAt)).toEqual([null, null, appended[2]!.createdAt]);
        const [u3] = await store.append(s, [ev('user.message')]);

        await clockPast(u3!.createdAt);
        const [intake] = await store.append(s, [ev('session.status_running')], { intakeThroughSeq: 2 });
        const afterFirst = await store.read(s);
        expect(afterFirst.map((event) => event.processedAt)).toEqual([
          intake!.createdAt,
          intake!.createdAt,
          appended[2]!.createdAt,
          null,
          intake!.createdAt,
        ]);

        await clockPast(intake!.createdAt);
        const [second] = await store.append(s, [ev('agent.message'), ev('agent.message')], { intakeThroughSeq: 4 });
        const afterSecond = await store.read(s);
        expect(second!.createdAt > intake!.createdAt).toBe(true);
        expect(afterSecond.map((event) => event.processedAt)).toEqual([
          intake!.createdAt,
          intake!.createdAt,
          appended[2]!.createdAt,
          second!.createdAt,
          intake!.createdAt,
          second!.createdAt,
          second!.createdAt,
        ]);
      });

      it('never marks a user event appended after the intake as processed by it', async () => {
        const s = await createSession();
        await store.append(s, [ev('user.message')]);
        await store.append(s, [ev('agent.message')], { intakeThroughSeq: 10 });
        await store.append(s, [ev('user.message')]);
        expect((await store.read(s)).map((event) => event.processedAt === null)).toEqual([false, false, true]);
      });
    });

    describe('epoch fencing', () => {
      it('accepts the current epoch, rejects an older one without writing, and never fences epoch-less appends', async () => {
        const s = await createSession();
        const first = (await store.acquire(s, 'worker-a', 30))!;
        expect(seqs(await store.append(s, [ev()], { epoch: first.epoch }))).toEqual([1]);
        await sleep(60);
        const second = (await store.acquire(s, 'worker-b', 10_000))!;
        expect(second.epoch).toBeGreaterThan(first.epoch);

        const sub = record(store, s, 0);
        const stale = store.append(s, [ev('session.status_running'), ev()], { epoch: first.epoch });
        await expect(stale).rejects.toBeInstanceOf(StaleEpochError);
        await expect(stale).rejects.toMatchObject({ sessionId: s, epoch: first.epoch });
        expect(await store.lastSeq(s)).toBe(1);
        expect(seqs(await store.read(s))).toEqual([1]);
        expect((await store.sessionSummary(s))!.status).toBe('idle');

        expect(seqs(await store.append(s, [ev()], { epoch: second.epoch }))).toEqual([2]);
        expect(seqs(await store.append(s, [ev('user.message')]))).toEqual([3]);
        await waitFor('delivery', () => sub.events.length === 3);
        await sleep(10);
        expect(seqs(sub.events)).toEqual([1, 2, 3]);
      });

      it('fences the same holder once it re-acquires', async () => {
        const s = await createSession();
        const old = (await store.acquire(s, 'worker-a', 10_000))!;
        const renewed = (await store.acquire(s, 'worker-a', 10_000))!;
        await expect(store.append(s, [ev()], { epoch: old.epoch })).rejects.toBeInstanceOf(StaleEpochError);
        expect(seqs(await store.append(s, [ev()], { epoch: renewed.epoch }))).toEqual([1]);
      });

      it('rejects an epoch for a session nobody leased', async () => {
        const s = await createSession();
        await expect(store.append(s, [ev()], { epoch: 1 })).rejects.toBeInstanceOf(StaleEpochError);
        expect(await store.lastSeq(s)).toBe(0);
      });
    });

    describe('subscribe', () => {
      it('delivers history after afterSeq, then live events, in order', async () => {
        const s = await createSession();
        await store.append(s, [ev(), ev(), ev()]);
        const fromStart = record(store, s, 0);
        const fromTwo = record(store, s, 2);
        const ahead = record(store, s, 5);
        await store.append(s, [ev(), ev()]);
        await store.append(s, [ev()]);
        await waitFor('delivery', () => fromStart.events.length === 6 && fromTwo.events.length === 4);
        await waitFor('delivery', () => ahead.events.length === 1);
        await sleep(10);
        expect(seqs(fromStart.events)).toEqual(range(1, 6));
        expect(seqs(fromTwo.events)).toEqual(range(3, 6));
        expect(seqs(ahead.events)).toEqual([6]);
        expect(fromStart.events).toEqual(await store.read(s));
      });

      it('gives every subscriber a contiguous, exactly-once sequence across 200 interleaved appends', async () => {
        const s = await createSession();
        const subs: ReturnType<typeof record>[] = [];
        const pending: Promise<StoredEvent[]>[] = [];
        let total = 0;
        for (let i = 0; i < 200; i++) {
          const size = (i % 3) + 1;
          total += size;
          pending.push(
            store.append(
              s,
              Array.from({ length: size }, (_, j) => ev('agent.message', { i, j })),
            ),
          );
          if (i % 10 === 5) {
            const head = await store.lastSeq(s);
            subs.push(record(store, s, 0), record(store, s, head), record(store, s, Math.floor(head / 2)));
            subs.push(record(store, s, head + 3));
          }
          if (i % 7 === 0) await tick();
        }
        const batches = await Promise.all(pending);
        expect(seqs(batches.flat()).sort((x, y) => x - y)).toEqual(range(1, total));
        await waitFor('every subscriber to catch up', () =>
          subs.every((sub) => sub.events.length >= total - sub.afterSeq),
        );
        await sleep(20);
        for (const sub of subs) expect(seqs(sub.events)).toEqual(range(sub.afterSeq + 1, total));
        expect(subs[0]!.events).toEqual(await store.read(s));
      });

      it('stops delivering after unsubscribe, even before history was delivered', async () => {
        const s = await createSession();
        await store.append(s, [ev(), ev()]);
        const early = record(store, s, 0);
        early.stop();
        const later = record(store, s, 0);
        await waitFor('history', () => later.events.length === 2);
        later.stop();
        later.stop();
        await store.append(s, [ev()]);
        await sleep(30);
        expect(early.calls).toBe(0);
        expect(seqs(later.events)).toEqual([1, 2]);
      });

      it('isolates a throwing, rejecting or slow listener from other subscribers and the appender', async () => {
        const s = await createSession();
        let slowCalls = 0;
        let good!: ReturnType<typeof record>;
        const errors = await collectProcessErrors(async () => {
          store.subscribe(s, 0, () => {
            throw new Error('listener failure (expected by the contract test)');
          });
          // eslint-disable-next-line @typescript-eslint/no-misused-promises -- the contract: an async listener's rejection must be contained
          store.subscribe(s, 0, async () => {
            throw new Error('async listener failure (expected by the contract test)');
          });
          // eslint-disable-next-line @typescript-eslint/no-misused-promises -- likewise for a slow async listener
          store.subscribe(s, 0, async () => {
            slowCalls += 1;
            await sleep(1_000);
          });
          good = record(store, s, 0);
          const appended = await Promise.race([store.append(s, [ev(), ev()]), sleep(500).then(() => 'timeout')]);
          expect(appended).not.toBe('timeout');
          await store.append(s, [ev()]);
          await waitFor('the healthy subscriber', () => good.events.length === 3, 500);
        });
        expect(errors).toEqual([]);
        expect(seqs(good.events)).toEqual([1, 2, 3]);
        expect(slowCalls).toBeGreaterThanOrEqual(1);
        expect(seqs(await store.append(s, [ev()]))).toEqual([4]);
      });
    });

    describe('session summary', () => {
      it('is null for a session that does not exist', async () => {
        expect(await store.sessionSummary(newId('session'))).toBeNull();
      });

      it('equals the fold of the log and drives the status column lists filter on', async () => {
        const s = await createSession();
        const other = await createSession();
        expect(await store.sessionSummary(s)).toEqual(emptySessionSummary());
        const statusOf = async () => (await store.get('session', s))!.status;
        const listed = async (status: string) =>
          (await store.list('session', { statuses: [status], limit: 10 })).map((r) => r.id);

        await store.append(s, [ev('user.message'), ev('session.status_running')]);
        expect(await statusOf()).toBe('running');
        expect(await listed('running')).toEqual([s]);
        expect(await listed('idle')).toEqual([other]);

        await store.append(s, [
          {
            type: 'span.model_request_end',
            data: { model_usage: { input_tokens: 10, output_tokens: 5 } },
            hidden: { cost_micro_usd: 700 },
          },
          { type: 'span.model_request_end', data: { model_usage: { input_tokens: 1, cache_read_input_tokens: 4 } } },
          ev('session.status_rescheduled'),
        ]);
        expect(await statusOf()).toBe('rescheduling');
        await store.append(s, [ev('session.status_running'), ev('agent.message'), ev('session.status_idle')]);
        expect(await statusOf()).toBe('idle');
        expect(await listed('idle')).toEqual(expect.arrayContaining([s, other]));
        expect(await listed('running')).toEqual([]);

        const summary = (await store.sessionSummary(s))!;
        expect(summary).toMatchObject({ status: 'idle', inputTokens: 11, outputTokens: 5, cacheReadTokens: 4 });
        expect(summary.costMicroUsd).toBe(700);
        // Events do not carry the intake marks; the rest of the summary is the fold of the log.
        const folded = (await store.read(s)).reduce(
          (acc, event) => foldSessionSummary(acc, event),
          emptySessionSummary(),
        );
        expect({ ...summary, intakeThrough: 0 }).toEqual(folded);

        await store.append(s, [ev('session.status_terminated')]);
        expect(await listed('terminated')).toEqual([s]);
        expect((await store.sessionSummary(s))!.terminatedAt).toBe(
          (await store.read(s, { order: 'desc', limit: 1 }))[0]!.createdAt,
        );
      });

      it("starts a new session's status column at the empty log's status, whatever the insert said", async () => {
        const s = await createSession(null);
        const claimed = await createSession('running');
        expect((await store.get('session', s))!.status).toBe('idle');
        expect((await store.get('session', claimed))!.status).toBe('idle');
        await store.append(s, [ev('session.status_idle')]);
        expect((await store.get('session', s))!.status).toBe('idle');
        expect((await store.list('session', { statuses: ['idle'], limit: 10 })).map((r) => r.id)).toEqual([s, claimed]);
        expect(await store.list('session', { statuses: ['running'], limit: 10 })).toEqual([]);
      });

      it('keeps the log-derived status when the record is updated from an older read', async () => {
        const s = await createSession();
        const read = (await store.get('session', s))!;
        await store.append(s, [ev('session.status_running')]);
        const updated = await store.update({ ...read, revision: read.revision + 1, body: { title: 'renamed' } });
        expect(updated).toBe(true);
        const after = (await store.get('session', s))!;
        expect(after.status).toBe('running');
        expect(after.body).toEqual({ title: 'renamed' });
      });
    });

    describe('active sessions', () => {
      it('lists a session while user input waits for a brain or a turn is running, and not otherwise', async () => {
        const s = await createSession();
        const quiet = await createSession();
        expect(await store.activeSessions()).toEqual([]);
        const [message] = await store.append(s, [ev('user.message', { content: [] })]);
        expect(await store.activeSessions()).toEqual([s]);
        await store.append(s, [ev('session.status_running')], { intakeThroughSeq: message!.seq });
        expect(await store.activeSessions()).toEqual([s]);
        await store.append(s, [ev('session.status_idle')]);
        expect(await store.activeSessions()).toEqual([]);
        await store.append(s, [ev('user.interrupt')]);
        expect(await store.activeSessions()).toEqual([s]);
        await store.append(s, [ev('session.status_terminated')]);
        expect(await store.activeSessions()).toEqual([]);
        expect(await store.activeSessions()).not.toContain(quiet);
      });
    });

    describe('session deletion', () => {
      it('removes the events with the session and leaves other sessions alone', async () => {
        const s = await createSession();
        const keep = await createSession();
        await store.append(s, [ev(), ev()]);
        await store.append(keep, [ev()]);
        expect(await store.delete('session', s)).toBe(true);
        expect(await store.read(s)).toEqual([]);
        expect(await store.sessionSummary(s)).toBeNull();
        await expect(store.append(s, [ev()])).rejects.toBeInstanceOf(UnknownSessionError);
        expect(seqs(await store.read(keep))).toEqual([1]);
        expect(seqs(await store.append(keep, [ev()]))).toEqual([2]);
      });
    });
  });
}
