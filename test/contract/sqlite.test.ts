import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/protocol/ids.js';
import { SqliteStore } from '../../src/store/sqlite/sqliteStore.js';
import { idempotencyContract } from './idempotency.contract.js';
import { leasesContract } from './leases.contract.js';
import { resourceStoreContract } from './resourceStore.contract.js';
import { sessionLogContract } from './sessionLog.contract.js';
import type { MakeStore } from './support.js';

async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), 'bosun-contract-'));
  return { path: join(dir, 'bosun.db'), remove: () => rm(dir, { recursive: true, force: true }) };
}

const fileStore: MakeStore<SqliteStore> = async () => {
  const dir = await tempDir();
  const store = new SqliteStore(dir.path);
  return {
    store,
    close: async () => {
      store.close();
      await dir.remove();
    },
  };
};

const memoryStore: MakeStore<SqliteStore> = async () => {
  const store = new SqliteStore(':memory:');
  return { store, close: async () => store.close() };
};

for (const [name, make] of [
  ['sqlite file', fileStore],
  ['sqlite :memory:', memoryStore],
] as const) {
  sessionLogContract(name, make);
  resourceStoreContract(name, make);
  leasesContract(name, make);
  idempotencyContract(name, make);
}

describe('SqliteStore on a file', () => {
  it('keeps the log, the summary and the seq across a reopen', async () => {
    const dir = await tempDir();
    try {
      const first = new SqliteStore(dir.path);
      const now = new Date().toISOString();
      const session = newId('session');
      await first.insert({
        kind: 'session',
        id: session,
        parentId: null,
        refVersion: null,
        status: 'idle',
        createdAt: now,
        updatedAt: now,
        archivedAt: null,
        revision: 1,
        body: {},
      });
      await first.append(session, [{ type: 'session.status_running' }, { type: 'agent.message', data: { n: 1 } }]);
      const lease = (await first.acquire(session, 'worker-a', 60_000))!;
      first.close();

      const second = new SqliteStore(dir.path);
      expect(await second.lastSeq(session)).toBe(2);
      expect((await second.sessionSummary(session))!.status).toBe('running');
      expect((await second.append(session, [{ type: 'agent.message' }], { epoch: lease.epoch }))[0]!.seq).toBe(3);
      expect(await second.acquire(session, 'worker-b', 60_000)).toBeNull();
      second.close();
    } finally {
      await dir.remove();
    }
  });
});
