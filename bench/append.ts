/**
 * Event append throughput of the SQLite session log, every append durable (WAL,
 * synchronous=FULL) before it resolves, against a bare better-sqlite3 insert loop with the
 * same durability in the same run. Target: ≥ 50% of the bare loop.
 *   npx tsx bench/append.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { newId } from '../src/protocol/ids.js';
import { SqliteStore } from '../src/store/sqlite/sqliteStore.js';
import { fmt, printTable } from './stats.js';

const DURATION_MS = Number(process.env['BENCH_MS'] ?? 2000);
const payload = { content: [{ type: 'text', text: 'x'.repeat(200) }] };

async function storeRate(batch: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bosun-bench-'));
  const store = new SqliteStore(join(dir, 'bench.db'));
  const sessionId = newId('session');
  const now = new Date().toISOString();
  await store.insert({
    kind: 'session',
    id: sessionId,
    parentId: null,
    refVersion: null,
    status: 'idle',
    createdAt: now,
    updatedAt: now,
    archivedAt: null,
    revision: 1,
    body: {},
  });
  const events = Array.from({ length: batch }, () => ({ type: 'agent.message', data: payload }));
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < DURATION_MS) {
    await store.append(sessionId, events);
    count += batch;
  }
  const rate = count / ((performance.now() - start) / 1000);
  store.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

function bareRate(batch: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'bosun-bench-'));
  const db = new Database(join(dir, 'bare.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(
    'CREATE TABLE events (session_id TEXT, seq INTEGER, id TEXT UNIQUE, type TEXT, created_at TEXT, data TEXT, PRIMARY KEY (session_id, seq))',
  );
  const insert = db.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)');
  const data = JSON.stringify(payload);
  let seq = 0;
  const write = db.transaction((n: number) => {
    for (let i = 0; i < n; i++) insert.run('s', ++seq, newId('event'), 'agent.message', new Date().toISOString(), data);
  });
  const start = performance.now();
  while (performance.now() - start < DURATION_MS) write(batch);
  const rate = seq / ((performance.now() - start) / 1000);
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

const rows = [];
for (const batch of [1, 100]) {
  const bare = bareRate(batch);
  const bosun = await storeRate(batch);
  rows.push({
    'batch size': batch,
    'bosun events/s': fmt(bosun, 0),
    'bare sqlite events/s': fmt(bare, 0),
    ratio: `${fmt((bosun / bare) * 100, 0)}%`,
    target: '≥ 50%',
  });
}
printTable('Session log append throughput (durable: WAL + synchronous=FULL)', rows);
