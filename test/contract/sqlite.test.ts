import { mkdirSync, symlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/core/sessionLog.js';
import { newId } from '../../src/protocol/ids.js';
import { SqliteStore } from '../../src/store/sqlite/sqliteStore.js';
import { idempotencyContract } from './idempotency.contract.js';
import { leasesContract } from './leases.contract.js';
import { resourceStoreContract } from './resourceStore.contract.js';
import { sessionLogContract } from './sessionLog.contract.js';
import { sessionRecord, waitFor, type MakeStore } from './support.js';

const seqs = (events: readonly StoredEvent[]) => events.map((event) => event.seq);

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

describe('SqliteStore durability of appends', () => {
  async function syncedStore(syncFile: (fd: number) => void) {
    const dir = await tempDir();
    const store = new SqliteStore(dir.path, { syncFile });
    const session = newId('session');
    await store.insert(sessionRecord(session));
    return {
      store,
      session,
      close: async () => {
        store.close();
        await dir.remove();
      },
    };
  }

  it('resolves a full append only after the log is synced, and syncs nothing for a relaxed one', async () => {
    const steps: string[] = [];
    const { store, session, close } = await syncedStore(() => steps.push('sync'));
    try {
      await store.append(session, [{ type: 'user.message' }], { onCommitted: () => steps.push('committed') });
      steps.push('resolved');
      await store.append(session, [{ type: 'agent.message' }], { durability: 'relaxed' });
      steps.push('relaxed resolved');
      expect(steps).toEqual(['committed', 'sync', 'resolved', 'relaxed resolved']);
    } finally {
      await close();
    }
  });

  it('resolves and delivers appends committed while a sync is pending after it, in commit order', async () => {
    const steps: string[] = [];
    const { store, session, close } = await syncedStore(() => steps.push('sync'));
    try {
      const delivered: string[] = [];
      const stop = store.subscribe(session, 0, (events) => {
        delivered.push(...events.map((event) => event.type));
        steps.push('delivered');
      });
      let brain: Promise<unknown> = Promise.resolve();
      const user = store.append(session, [{ type: 'user.message' }], {
        // What the API does: the brain starts at commit and appends before the user's sync.
        onCommitted: () => {
          brain = store.append(session, [{ type: 'span.model_request_start' }], { durability: 'relaxed' }).then(() => {
            steps.push('brain resolved');
          });
        },
      });
      await user.then(() => steps.push('user resolved'));
      await brain;
      await waitFor('delivery', () => delivered.length === 2);
      // Nothing reaches a subscriber or resolves before the sync; then everything in commit order.
      expect(steps[0]).toBe('sync');
      expect(steps.filter((step) => step !== 'delivered')).toEqual(['sync', 'user resolved', 'brain resolved']);
      expect(delivered).toEqual(['user.message', 'span.model_request_start']);
      stop();
    } finally {
      await close();
    }
  });

  it('fails the appends waiting for a sync that fails, and refuses every later one', async () => {
    let syncs = 0;
    const { store, session, close } = await syncedStore(() => {
      syncs += 1;
      throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    });
    try {
      await expect(store.append(session, [{ type: 'user.message' }])).rejects.toMatchObject({ code: 'EIO' });
      // A later sync that succeeds would prove nothing (the kernel may have dropped the pages).
      await expect(store.append(session, [{ type: 'user.message' }])).rejects.toMatchObject({ code: 'EIO' });
      expect(syncs).toBe(1);
    } finally {
      await close();
    }
  });

  it('syncs the log SQLite writes when the database path is a symlink', async () => {
    const dir = await tempDir();
    const real = join(dirname(dir.path), 'real');
    mkdirSync(real);
    symlinkSync(join(real, 'bosun.db'), dir.path);
    try {
      new SqliteStore(join(real, 'bosun.db')).close();
      const store = new SqliteStore(dir.path);
      const session = newId('session');
      await store.insert(sessionRecord(session));
      expect(seqs(await store.append(session, [{ type: 'user.message' }]))).toEqual([1]);
      store.close();
    } finally {
      await dir.remove();
    }
  });

  it('settles the batch when an onCommitted hook throws', async () => {
    let syncs = 0;
    const { store, session, close } = await syncedStore(() => (syncs += 1));
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const failing = store.append(session, [{ type: 'user.message' }], {
        onCommitted: () => {
          throw new Error('hook failed');
        },
      });
      const other = store.append(session, [{ type: 'user.message' }]);
      expect(seqs(await failing)).toEqual([1]);
      expect(seqs(await other)).toEqual([2]);
      expect(syncs).toBeGreaterThanOrEqual(1);
      await waitFor('the warning', () => warnings.includes('hook failed'));
    } finally {
      process.off('warning', onWarning);
      await close();
    }
  });

  it('syncs committed appends before it closes', async () => {
    let syncs = 0;
    const { store, session, close } = await syncedStore(() => (syncs += 1));
    const appending = store.append(session, [{ type: 'user.message' }], {
      onCommitted: () => store.close(),
    });
    await expect(appending).resolves.toHaveLength(1);
    expect(syncs).toBe(1);
    await close().catch(() => undefined);
  });
});
