import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  ListOptions,
  ResourceKind,
  ResourceRecord,
  ResourceStore,
  VersionRecord,
} from '../../src/core/resourceStore.js';
import { newId } from '../../src/protocol/ids.js';
import type { MakeStore, StoreHandle } from './support.js';

type Body = Record<string, unknown>;

function agentRecord(overrides: Partial<ResourceRecord> = {}): ResourceRecord {
  const now = new Date().toISOString();
  return {
    kind: 'agent',
    id: newId('agent'),
    parentId: null,
    refVersion: 1,
    status: null,
    createdAt: now,
    updatedAt: now,
    archivedAt: null,
    revision: 1,
    body: { name: 'agent' },
    ...overrides,
  };
}

const versionOf = (record: ResourceRecord, version: number, body: Body = { v: version }): VersionRecord => ({
  id: record.id,
  version,
  createdAt: new Date().toISOString(),
  body,
});

const ids = (records: readonly ResourceRecord[]) => records.map((r) => r.id);

export function resourceStoreContract(name: string, makeStore: MakeStore<ResourceStore>): void {
  describe(`ResourceStore contract: ${name}`, () => {
    let handle: StoreHandle<ResourceStore>;
    let store: ResourceStore;

    beforeEach(async () => {
      handle = await makeStore();
      store = handle.store;
    });
    afterEach(async () => {
      await handle.close();
    });

    /** Pages through `list` with the keyset cursor until a short page. */
    async function listAll(kind: ResourceKind, options: Omit<ListOptions, 'after'>): Promise<ResourceRecord[][]> {
      const pages: ResourceRecord[][] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.list(kind, { ...options, ...(after === undefined ? {} : { after }) });
        pages.push(page);
        if (page.length < options.limit) return pages;
        after = page[page.length - 1]!.id;
        if (pages.length > 100) throw new Error('paging does not terminate');
      }
    }

    describe('records', () => {
      it('inserts and gets a record with every field', async () => {
        const record = agentRecord({
          parentId: 'vlt_parent',
          refVersion: 3,
          status: 'active',
          archivedAt: '2024-05-01T00:00:00.000Z',
          revision: 4,
          body: { name: 'x', nested: { list: [1, 'two', null], ok: true }, text: 'héllo ✓' },
        });
        await store.insert(record);
        expect(await store.get('agent', record.id)).toEqual(record);
      });

      it('answers null for an unknown id or the wrong kind', async () => {
        const record = agentRecord();
        await store.insert(record);
        expect(await store.get('agent', newId('agent'))).toBeNull();
        expect(await store.get('environment', record.id)).toBeNull();
      });

      it('rejects a second insert with the same id and keeps the first', async () => {
        const record = agentRecord();
        await store.insert(record, versionOf(record, 1));
        const clash = { ...record, body: { name: 'clash' } };
        await expect(store.insert(clash, versionOf(record, 2))).rejects.toThrow();
        expect((await store.get('agent', record.id))!.body).toEqual(record.body);
        expect(await store.getVersion('agent', record.id, 2)).toBeNull();
      });

      it('updates only from the current revision; a stale revision changes nothing', async () => {
        const record = agentRecord();
        await store.insert(record);
        const next = { ...record, revision: 2, updatedAt: '2030-01-01T00:00:00.000Z', body: { name: 'second' } };
        expect(await store.update(next)).toBe(true);
        expect(await store.get('agent', record.id)).toEqual(next);

        const lostRace = { ...record, revision: 2, body: { name: 'lost' } };
        expect(await store.update(lostRace, versionOf(record, 2))).toBe(false);
        expect(await store.get('agent', record.id)).toEqual(next);
        expect(await store.getVersion('agent', record.id, 2)).toBeNull();

        expect(await store.update({ ...next, revision: 9 })).toBe(false);
        expect(await store.update(agentRecord({ revision: 2 }))).toBe(false);
        expect(await store.get('agent', record.id)).toEqual(next);
      });

      it('lets exactly one of two racing updates from the same read win', async () => {
        const record = agentRecord();
        await store.insert(record);
        const results = await Promise.all(
          ['a', 'b', 'c'].map((name) => store.update({ ...record, revision: 2, body: { name } })),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        expect((await store.get('agent', record.id))!.revision).toBe(2);
      });

      it('deletes a record and its versions', async () => {
        const record = agentRecord();
        await store.insert(record, versionOf(record, 1));
        expect(await store.delete('environment', record.id)).toBe(false);
        expect(await store.get('agent', record.id)).not.toBeNull();
        expect(await store.delete('agent', record.id)).toBe(true);
        expect(await store.get('agent', record.id)).toBeNull();
        expect(await store.getVersion('agent', record.id, 1)).toBeNull();
        expect(await store.listVersions('agent', record.id, { limit: 10 })).toEqual([]);
        expect(await store.delete('agent', record.id)).toBe(false);
      });
    });

    describe('versions', () => {
      it('stores the first version with the insert and later ones with updates', async () => {
        const record = agentRecord();
        const v1 = versionOf(record, 1, { name: 'one', tools: [{ type: 'bash' }] });
        await store.insert(record, v1);
        const v2 = versionOf(record, 2, { name: 'two' });
        expect(await store.update({ ...record, revision: 2, refVersion: 2, body: v2.body }, v2)).toBe(true);
        expect(await store.getVersion('agent', record.id, 1)).toEqual(v1);
        expect(await store.getVersion('agent', record.id, 2)).toEqual(v2);
        expect(await store.getVersion('agent', record.id, 3)).toBeNull();
        expect(await store.getVersion('agent', newId('agent'), 1)).toBeNull();
        expect((await store.get('agent', record.id))!.refVersion).toBe(2);
      });

      it('fails an update whole when its version already exists', async () => {
        const record = agentRecord();
        await store.insert(record, versionOf(record, 1));
        await expect(
          store.update({ ...record, revision: 2, body: { name: 'x' } }, versionOf(record, 1, { dup: true })),
        ).rejects.toThrow();
        expect(await store.get('agent', record.id)).toEqual(record);
        expect((await store.getVersion('agent', record.id, 1))!.body).toEqual({ v: 1 });
      });

      it('pages versions in ascending order with afterVersion', async () => {
        const record = agentRecord();
        await store.insert(record, versionOf(record, 1));
        for (let v = 2; v <= 5; v++) {
          expect(await store.update({ ...record, revision: v, refVersion: v }, versionOf(record, v))).toBe(true);
        }
        const other = agentRecord();
        await store.insert(other, versionOf(other, 1));
        const page = async (afterVersion?: number) =>
          (
            await store.listVersions('agent', record.id, {
              limit: 2,
              ...(afterVersion === undefined ? {} : { afterVersion }),
            })
          ).map((v) => v.version);
        expect(await page()).toEqual([1, 2]);
        expect(await page(2)).toEqual([3, 4]);
        expect(await page(4)).toEqual([5]);
        expect(await page(5)).toEqual([]);
        const all = await store.listVersions('agent', record.id, { limit: 10 });
        expect(all.map((v) => v.body)).toEqual([1, 2, 3, 4, 5].map((v) => ({ v })));
        expect(all.every((v) => v.id === record.id)).toBe(true);
      });
    });

    describe('list', () => {
      it('makes ids that sort in creation order, even within one millisecond', () => {
        const made = Array.from({ length: 2_000 }, () => newId('agent'));
        const sorted = [...made].sort();
        expect(sorted).toEqual(made);
        expect(new Set(made).size).toBe(made.length);
      });

      it('lists one kind, ordered by id both ways, up to limit', async () => {
        const records = [];
        for (let i = 0; i < 5; i++) records.push(agentRecord({ body: { i } }));
        for (const record of records) await store.insert(record);
        await store.insert({ ...agentRecord(), kind: 'environment', id: newId('environment') });
        expect(await store.list('agent', { limit: 10 })).toEqual(records);
        expect(ids(await store.list('agent', { limit: 10, order: 'asc' }))).toEqual(ids(records));
        expect(ids(await store.list('agent', { limit: 10, order: 'desc' }))).toEqual(ids(records).reverse());
        expect(ids(await store.list('agent', { limit: 2 }))).toEqual(ids(records).slice(0, 2));
        expect(await store.list('vault', { limit: 10 })).toEqual([]);
      });

      it('filters by parentId, refVersion and statuses', async () => {
        // Session statuses are derived from the log (see the SessionLog contract); other kinds keep theirs.
        const [p1, p2] = ['vlt_p1', 'vlt_p2'];
        const make = (parentId: string, refVersion: number, status: string) =>
          agentRecord({ kind: 'credential', id: newId('credential'), parentId, refVersion, status });
        const a = make(p1, 1, 'active');
        const b = make(p1, 2, 'pending');
        const c = make(p2, 1, 'revoked');
        for (const r of [a, b, c]) await store.insert(r);
        expect(ids(await store.list('credential', { parentId: p1, limit: 10 }))).toEqual([a.id, b.id]);
        expect(ids(await store.list('credential', { parentId: p1, refVersion: 2, limit: 10 }))).toEqual([b.id]);
        expect(ids(await store.list('credential', { refVersion: 1, limit: 10 }))).toEqual([a.id, c.id]);
        expect(ids(await store.list('credential', { statuses: ['active', 'revoked'], limit: 10 }))).toEqual([
          a.id,
          c.id,
        ]);
        expect(ids(await store.list('credential', { statuses: [], limit: 10 }))).toEqual([a.id, b.id, c.id]);
        expect(await store.list('credential', { parentId: 'vlt_none', limit: 10 })).toEqual([]);
      });

      it('hides archived records unless asked', async () => {
        const live = agentRecord();
        const archived = agentRecord({ archivedAt: new Date().toISOString() });
        await store.insert(live);
        await store.insert(archived);
        expect(ids(await store.list('agent', { limit: 10 }))).toEqual([live.id]);
        expect(ids(await store.list('agent', { limit: 10, includeArchived: false }))).toEqual([live.id]);
        expect(ids(await store.list('agent', { limit: 10, includeArchived: true }))).toEqual([live.id, archived.id]);
        expect(await store.update({ ...live, revision: 2, archivedAt: new Date().toISOString() })).toBe(true);
        expect(await store.list('agent', { limit: 10 })).toEqual([]);
      });

      it('filters by createdAt range', async () => {
        const at = (s: number) => `2024-01-01T00:00:0${s}.000Z`;
        const records = [1, 2, 3, 4].map((s) => agentRecord({ createdAt: at(s) }));
        for (const record of records) await store.insert(record);
        const [r1, r2, r3, r4] = ids(records);
        const list = async (createdAt: ListOptions['createdAt']) =>
          ids(await store.list('agent', { createdAt, limit: 10 }));
        expect(await list({ gte: at(2) })).toEqual([r2, r3, r4]);
        expect(await list({ gt: at(2) })).toEqual([r3, r4]);
        expect(await list({ lt: at(3) })).toEqual([r1, r2]);
        expect(await list({ lte: at(3) })).toEqual([r1, r2, r3]);
        expect(await list({ gt: at(1), lt: at(4) })).toEqual([r2, r3]);
        expect(await list({ gte: '2024-01-01T01:00:02+01:00' })).toEqual([r2, r3, r4]);
      });

      it('pages with the keyset cursor, visiting every record exactly once in both orders', async () => {
        const records: ResourceRecord[] = [];
        for (let i = 0; i < 25; i++) {
          const record = agentRecord({ body: { i } });
          records.push(record);
          await store.insert(record);
        }
        const created = ids(records);
        for (const order of ['asc', 'desc'] as const) {
          const pages = await listAll('agent', { order, limit: 4 });
          expect(pages.map((page) => page.length)).toEqual([4, 4, 4, 4, 4, 4, 1]);
          expect(ids(pages.flat())).toEqual(order === 'asc' ? created : [...created].reverse());
        }
        const exact = await listAll('agent', { limit: 5 });
        expect(ids(exact.flat())).toEqual(created);
        expect(exact.at(-1)).toEqual([]);
      });

      it('pages within a filter', async () => {
        const mine: string[] = [];
        for (let i = 0; i < 12; i++) {
          const record = agentRecord({
            kind: 'credential',
            id: newId('credential'),
            parentId: i % 2 ? 'vlt_a' : 'vlt_b',
          });
          if (i % 2) mine.push(record.id);
          await store.insert(record);
        }
        const pages = await listAll('credential', { parentId: 'vlt_a', order: 'desc', limit: 4 });
        expect(ids(pages.flat())).toEqual([...mine].reverse());
      });
    });
  });
}
