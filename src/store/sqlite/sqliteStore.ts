import { closeSync, fdatasyncSync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { IdempotencyClaim, IdempotencyStore, StoredResponse } from '../../core/idempotency.js';
import { IDEMPOTENCY_STALE_CLAIM_MS, IDEMPOTENCY_TTL_MS } from '../../core/idempotency.js';
import type { Lease, Leases } from '../../core/leases.js';
import type {
  ListOptions,
  ResourceKind,
  ResourceRecord,
  ResourceStore,
  VersionRecord,
} from '../../core/resourceStore.js';
import type {
  AppendOptions,
  EventListener,
  NewEvent,
  ReadOptions,
  SessionLog,
  StoredEvent,
} from '../../core/sessionLog.js';
import { emptySessionSummary, foldSessionSummary, needsBrain, type SessionSummary } from '../../core/sessionSummary.js';
import { newId } from '../../protocol/ids.js';
import { EventBus, type ListenerErrorHandler } from '../eventBus.js';
import { StaleEpochError, UnknownSessionError } from '../../core/errors.js';
import { timeRangeSql } from '../sql.js';
import { migrate } from './migrate.js';

interface EventRow {
  seq: number;
  id: string;
  type: string;
  created_at: string;
  data: string;
  hidden: string | null;
}

interface ResourceRow {
  id: string;
  kind: ResourceKind;
  parent_id: string | null;
  ref_version: number | null;
  status: string | null;
  created_at: string;
  updated_at: string;
  archived_at: string | null;
  revision: number;
  body: string;
}

export interface SqliteStoreOptions {
  /** Where a subscriber's thrown or rejected error goes; defaults to a process warning. */
  onListenerError?: ListenerErrorHandler;
  /** Flushes the write-ahead log's file to disk; `fdatasync` unless a test injects a failure. */
  syncFile?: (fd: number) => void;
}

const MAX_PREPARED = 256;

/** An append's `onCommitted`: its failure is reported, and never leaves a batch unsettled. */
function runHook(hook: (() => void) | undefined): void {
  try {
    hook?.();
  } catch (error) {
    process.emitWarning(error instanceof Error ? error : String(error), { type: 'AppendHookError' });
  }
}
const USER_EVENT_PREFIXES = ['user.', 'system.'];
const isUserEvent = (type: string) => USER_EVENT_PREFIXES.some((prefix) => type.startsWith(prefix));

/**
 * The embedded store: one SQLite file in WAL mode with `synchronous=FULL` for resources, and
 * group-committed appends whose write-ahead log is synced before a `full` append resolves
 * (invariant 1: durable before acknowledged).
 * better-sqlite3 is synchronous; the ports are async so a network database fits behind them.
 */
export class SqliteStore implements SessionLog, ResourceStore, Leases, IdempotencyStore {
  readonly db: Database.Database;
  private readonly bus: EventBus;
  private readonly syncFile: (fd: number) => void;
  /** Appends waiting for the next group commit (see `append`). */
  private pendingAppends: Array<{
    sessionId: string;
    events: readonly NewEvent[];
    options: AppendOptions;
    resolve: (events: StoredEvent[]) => void;
    reject: (error: unknown) => void;
  }> = [];
  /** Session summaries cached by session id; the database row stays the truth. */
  private readonly heads = new Map<string, { lastSeq: number; summary: SessionSummary }>();
  private readonly statements;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.bus = new EventBus(options.onListenerError);
    this.syncFile = options.syncFile ?? fdatasyncSync;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    migrate(this.db, new URL('./migrations/', import.meta.url));
    this.statements = this.prepare();
    // The write-ahead log sits beside the database file SQLite opened: symlinks resolved, absolute.
    const main = (this.db.pragma('database_list') as Array<{ name: string; file: string }>).find(
      (entry) => entry.name === 'main',
    );
    this.walPath = main?.file ? `${main.file}-wal` : null;
  }

  /**
   * Prepared statements by SQL text: preparing costs more than running most of these queries.
   * Bounded, since list filters make a few shapes of dynamic SQL.
   */
  private readonly prepared = new Map<string, Database.Statement>();

  private sql(text: string): Database.Statement {
    let statement = this.prepared.get(text);
    if (!statement) {
      if (this.prepared.size >= MAX_PREPARED) this.prepared.clear();
      statement = this.db.prepare(text);
      this.prepared.set(text, statement);
    }
    return statement;
  }

  private prepare() {
    const db = this.db;
    return {
      head: db.prepare('SELECT last_seq, summary FROM session_heads WHERE session_id = ?'),
      insertHead: db.prepare('INSERT INTO session_heads (session_id, last_seq, summary) VALUES (?, 0, ?)'),
      updateHead: db.prepare('UPDATE session_heads SET last_seq = ?, summary = ?, active = ? WHERE session_id = ?'),
      activeSessions: db.prepare('SELECT session_id FROM session_heads WHERE active = 1'),
      insertEvent: db.prepare(
        'INSERT INTO events (session_id, seq, id, type, created_at, intake_seq, data, hidden) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      leaseEpoch: db.prepare('SELECT epoch FROM leases WHERE session_id = ?'),
      setSessionStatus: db.prepare("UPDATE resources SET status = ? WHERE id = ? AND kind = 'session'"),
      intakeTime: db.prepare(
        // Only a later event can take a user event in, whatever seq its intake mark names.
        'SELECT created_at FROM events WHERE session_id = ? AND intake_seq >= ? AND seq > ? ORDER BY seq LIMIT 1',
      ),
      getResource: db.prepare('SELECT * FROM resources WHERE id = ? AND kind = ?'),
    };
  }

  close(): void {
    // Appends already committed are synced before the log file goes away.
    if (this.syncScheduled) this.syncLog();
    this.db.close();
    if (this.walFd !== null) closeSync(this.walFd);
    this.walFd = null;
  }

  // ---- SessionLog ---------------------------------------------------------------------------

  /**
   * Group commit: appends that arrive in the same turn of the event loop share one transaction,
   * and every transaction committed before the next sync shares one fsync. Each append keeps
   * its own savepoint, so one append's failure (a stale epoch, a duplicate id) rejects only that
   * append. A batch is committed with `synchronous=NORMAL` (readable at once, safe against a
   * process crash), then the write-ahead log is fdatasync'ed before any `full` append resolves.
   * When an append passed `onCommitted`, that runs first and the sync waits for the next turn
   * of the loop: the work it starts (the brain's model request) overlaps the fsync, and nothing
   * is acknowledged before it.
   * Appends resolve and reach subscribers in commit order: a batch committed while a sync is
   * pending waits for it, whatever its durability.
   */
  append(sessionId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<StoredEvent[]> {
    if (this.syncFailure !== undefined) return Promise.reject(this.syncFailure);
    return new Promise((resolve, reject) => {
      this.pendingAppends.push({ sessionId, events, options, resolve, reject });
      if (this.pendingAppends.length === 1) setImmediate(() => this.flushAppends());
    });
  }

  private flushAppends(): void {
    const batch = this.pendingAppends;
    this.pendingAppends = [];
    const results: Array<StoredEvent[] | Error> = [];
    const commit = this.db.transaction(() => {
      for (const pending of batch) {
        try {
          results.push(this.appendDurable(pending.sessionId, pending.events, pending.options));
        } catch (error) {
          results.push(error instanceof Error ? error : new Error(String(error)));
        }
      }
    });
    try {
      this.relaxed(() => commit());
    } catch (error) {
      // Nothing was committed: forget the heads the savepoints moved, and fail every append.
      for (const pending of batch) this.heads.delete(pending.sessionId);
      for (const pending of batch) pending.reject(error);
      return;
    }
    const settle = (syncError?: unknown) =>
      batch.forEach((pending, index) => {
        const result = results[index]!;
        if (result instanceof Error) return pending.reject(result);
        if (syncError !== undefined) return pending.reject(syncError);
        this.bus.publish(pending.sessionId, result);
        pending.resolve(result);
      });
    const durable = batch.some((pending) => (pending.options.durability ?? 'full') === 'full');
    const waits = durable || this.awaitingSync.length > 0;
    if (waits) this.awaitingSync.push(settle);
    // With work to overlap (an `onCommitted`), the sync waits for the next turn of the loop;
    // without, it runs now, as a FULL commit would.
    const overlapped = batch.some(
      (pending, index) => pending.options.onCommitted && !(results[index] instanceof Error),
    );
    const schedulesSync = durable && overlapped && !this.syncScheduled;
    if (schedulesSync) this.syncScheduled = true;
    batch.forEach((pending, index) => {
      if (!(results[index] instanceof Error)) runHook(pending.options.onCommitted);
    });
    if (!waits) settle();
    // Scheduled after `onCommitted`: the work woken there (the brain) runs before the sync.
    else if (schedulesSync) setImmediate(() => this.syncLog());
    else if (durable && !overlapped) this.syncLog();
  }

  /** Appends committed but not yet synced, in commit order (see `append`). */
  private awaitingSync: Array<(syncError?: unknown) => void> = [];
  private syncScheduled = false;
  private readonly walPath: string | null;
  private walFd: number | null = null;

  /**
   * One fdatasync of the write-ahead log covers every transaction committed before it: what
   * `synchronous=FULL` does at each commit. A failed sync is fatal to this store, as in
   * PostgreSQL: the kernel may have dropped the pages it could not write, so a later sync that
   * succeeds proves nothing. The appends waiting for it and every later one are refused; the
   * process must be restarted, and the log then recovers as the prefix that reached the disk.
   */
  private syncLog(): void {
    this.syncScheduled = false;
    const waiting = this.awaitingSync;
    if (waiting.length === 0) return;
    this.awaitingSync = [];
    if (this.syncFailure === undefined) {
      try {
        if (this.walPath !== null) this.syncFile(this.openWal(this.walPath));
      } catch (error) {
        this.syncFailure = error instanceof Error ? error : new Error(String(error));
      }
    }
    for (const settle of waiting) settle(this.syncFailure);
  }

  /** Set once a sync of the log failed; every later append is refused with it. */
  private syncFailure: Error | undefined = undefined;

  private openWal(walPath: string): number {
    if (this.walFd !== null) return this.walFd;
    const fd = openSync(walPath, 'r+');
    // A log file SQLite created but never synced itself: make its directory entry durable too.
    const directory = openSync(dirname(walPath), 'r');
    try {
      fsyncSync(directory);
    } finally {
      closeSync(directory);
    }
    this.walFd = fd;
    return fd;
  }

  /**
   * Runs `write` with `synchronous=NORMAL`: in WAL mode the commit is in the log file but not
   * fsynced; the next sync (a FULL commit, or `syncLog`) takes it to disk with everything before it.
   * Not a cached statement: SQLite applies this pragma when it compiles it, not when it runs.
   */
  private relaxed<T>(write: () => T): T {
    this.db.pragma('synchronous = NORMAL');
    try {
      return write();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  private appendDurable(sessionId: string, events: readonly NewEvent[], options: AppendOptions): StoredEvent[] {
    const s = this.statements;
    const run = this.db.transaction(() => {
      if (options.epoch !== undefined) {
        const lease = s.leaseEpoch.get(sessionId) as { epoch: number } | undefined;
        if (!lease || lease.epoch !== options.epoch) throw new StaleEpochError(sessionId, options.epoch);
      }
      const head = this.readHead(sessionId);
      const now = new Date().toISOString();
      let { lastSeq, summary } = head;
      const out: StoredEvent[] = [];
      events.forEach((event, index) => {
        lastSeq += 1;
        const intake = index === 0 ? (options.intakeThroughSeq ?? null) : null;
        const storedEvent: StoredEvent = {
          seq: lastSeq,
          id: event.id ?? newId('event'),
          type: event.type,
          createdAt: now,
          processedAt: isUserEvent(event.type) ? null : now,
          data: event.data ?? {},
          hidden: event.hidden ?? null,
        };
        s.insertEvent.run(
          sessionId,
          lastSeq,
          storedEvent.id,
          storedEvent.type,
          now,
          intake,
          JSON.stringify(storedEvent.data),
          storedEvent.hidden ? JSON.stringify(storedEvent.hidden) : null,
        );
        summary = foldSessionSummary(summary, storedEvent, intake ?? undefined);
        out.push(storedEvent);
      });
      s.updateHead.run(lastSeq, JSON.stringify(summary), needsBrain(summary) ? 1 : 0, sessionId);
      if (summary.status !== head.summary.status) s.setSessionStatus.run(summary.status, sessionId);
      return { out, head: { lastSeq, summary } };
    });
    try {
      const { out, head } = run();
      this.heads.set(sessionId, head);
      return out;
    } catch (error) {
      // The transaction rolled back; the cached head may be ahead of the database.
      this.heads.delete(sessionId);
      throw error;
    }
  }

  private readHead(sessionId: string): { lastSeq: number; summary: SessionSummary } {
    const cached = this.heads.get(sessionId);
    if (cached) return cached;
    const row = this.statements.head.get(sessionId) as { last_seq: number; summary: string } | undefined;
    if (!row) throw new UnknownSessionError(sessionId);
    const head = { lastSeq: row.last_seq, summary: JSON.parse(row.summary) as SessionSummary };
    this.heads.set(sessionId, head);
    return head;
  }

  async read(sessionId: string, options: ReadOptions = {}): Promise<StoredEvent[]> {
    return this.readSync(sessionId, options);
  }

  private readSync(sessionId: string, options: ReadOptions): StoredEvent[] {
    const where = ['session_id = ?'];
    const params: unknown[] = [sessionId];
    if (options.afterSeq !== undefined) {
      where.push('seq > ?');
      params.push(options.afterSeq);
    }
    if (options.beforeSeq !== undefined) {
      where.push('seq < ?');
      params.push(options.beforeSeq);
    }
    if (options.types && options.types.length > 0) {
      where.push(`type IN (${options.types.map(() => '?').join(', ')})`);
      params.push(...options.types);
    }
    const time = timeRangeSql('created_at', options.createdAt);
    where.push(...time.clauses);
    params.push(...time.params);
    const order = options.order === 'desc' ? 'DESC' : 'ASC';
    let limit = '';
    if (options.limit !== undefined) {
      limit = ' LIMIT ?';
      params.push(Math.max(0, Math.floor(options.limit)));
    }
    const rows = this.sql(
      `SELECT seq, id, type, created_at, data, hidden FROM events WHERE ${where.join(' AND ')} ORDER BY seq ${order}${limit}`,
    ).all(...params) as EventRow[];
    return rows.map((row) => this.toStoredEvent(sessionId, row));
  }

  private toStoredEvent(sessionId: string, row: EventRow): StoredEvent {
    let processedAt: string | null = row.created_at;
    if (isUserEvent(row.type)) {
      const intake = this.statements.intakeTime.get(sessionId, row.seq, row.seq) as { created_at: string } | undefined;
      processedAt = intake?.created_at ?? null;
    }
    return {
      seq: row.seq,
      id: row.id,
      type: row.type,
      createdAt: row.created_at,
      processedAt,
      data: JSON.parse(row.data) as Record<string, unknown>,
      hidden: row.hidden ? (JSON.parse(row.hidden) as Record<string, unknown>) : null,
    };
  }

  async lastSeq(sessionId: string): Promise<number> {
    return this.readHead(sessionId).lastSeq;
  }

  subscribe(sessionId: string, afterSeq: number, listener: EventListener): () => void {
    // Synchronous read + register: no append can slip between the two on this thread. A
    // subscriber from the head on (every live stream, the brain) has no history to read.
    const head = this.heads.get(sessionId);
    const history = head && afterSeq >= head.lastSeq ? [] : this.readSync(sessionId, { afterSeq });
    return this.bus.subscribe(sessionId, afterSeq, history, listener);
  }

  /** The cached fold of a session's log; null when the session does not exist. */
  async sessionSummary(sessionId: string): Promise<SessionSummary | null> {
    try {
      return this.readHead(sessionId).summary;
    } catch (error) {
      if (error instanceof UnknownSessionError) return null;
      throw error;
    }
  }

  async activeSessions(): Promise<string[]> {
    return (this.statements.activeSessions.all() as Array<{ session_id: string }>).map((row) => row.session_id);
  }

  // ---- ResourceStore ------------------------------------------------------------------------

  async insert<B extends object>(record: ResourceRecord<B>, version?: VersionRecord<B>): Promise<void> {
    this.db.transaction(() => {
      this.sql(
        'INSERT INTO resources (id, kind, parent_id, ref_version, status, created_at, updated_at, archived_at, revision, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(
        ...resourceParams(record.kind === 'session' ? { ...record, status: emptySessionSummary().status } : record),
      );
      if (version) this.insertVersion(version);
      // A session's status column is the fold of its log from the start (empty log: idle), so
      // lists filtered by status find new sessions and append only writes it when it changes.
      if (record.kind === 'session') {
        this.statements.insertHead.run(record.id, JSON.stringify(emptySessionSummary()));
      }
    })();
  }

  private insertVersion(version: VersionRecord): void {
    this.sql('INSERT INTO resource_versions (id, version, created_at, body) VALUES (?, ?, ?, ?)').run(
      version.id,
      version.version,
      version.createdAt,
      JSON.stringify(version.body),
    );
  }

  async get<B>(kind: ResourceKind, id: string): Promise<ResourceRecord<B> | null> {
    const row = this.statements.getResource.get(id, kind) as ResourceRow | undefined;
    return row ? toRecord<B>(row) : null;
  }

  async update<B extends object>(record: ResourceRecord<B>, version?: VersionRecord<B>): Promise<boolean> {
    return this.db.transaction(() => {
      const result = this.sql(
        'UPDATE resources SET parent_id = ?, ref_version = ?, updated_at = ?, archived_at = ?, revision = ?, body = ? WHERE id = ? AND kind = ? AND revision = ?',
      ).run(
        record.parentId,
        record.refVersion,
        record.updatedAt,
        record.archivedAt,
        record.revision,
        JSON.stringify(record.body),
        record.id,
        record.kind,
        record.revision - 1,
      );
      if (result.changes === 0) return false;
      if (version) this.insertVersion(version);
      return true;
    })();
  }

  async delete(kind: ResourceKind, id: string): Promise<boolean> {
    const deleted = this.db.transaction(() => {
      const result = this.sql('DELETE FROM resources WHERE id = ? AND kind = ?').run(id, kind);
      if (result.changes === 0) return false;
      this.sql('DELETE FROM resource_versions WHERE id = ?').run(id);
      if (kind === 'session') {
        this.sql('DELETE FROM events WHERE session_id = ?').run(id);
        this.sql('DELETE FROM session_heads WHERE session_id = ?').run(id);
        this.sql('DELETE FROM leases WHERE session_id = ?').run(id);
      }
      return true;
    })();
    if (deleted && kind === 'session') this.heads.delete(id);
    return deleted;
  }

  async list<B>(kind: ResourceKind, options: ListOptions): Promise<ResourceRecord<B>[]> {
    const where = ['kind = ?'];
    const params: unknown[] = [kind];
    const desc = options.order === 'desc';
    if (options.parentId !== undefined) {
      where.push('parent_id = ?');
      params.push(options.parentId);
    }
    if (options.refVersion !== undefined) {
      where.push('ref_version = ?');
      params.push(options.refVersion);
    }
    if (options.statuses && options.statuses.length > 0) {
      where.push(`status IN (${options.statuses.map(() => '?').join(', ')})`);
      params.push(...options.statuses);
    }
    if (!options.includeArchived) where.push('archived_at IS NULL');
    const time = timeRangeSql('created_at', options.createdAt);
    where.push(...time.clauses);
    params.push(...time.params);
    if (options.after !== undefined) {
      where.push(desc ? 'id < ?' : 'id > ?');
      params.push(options.after);
    }
    const rows = this.sql(
      `SELECT * FROM resources WHERE ${where.join(' AND ')} ORDER BY id ${desc ? 'DESC' : 'ASC'} LIMIT ?`,
    ).all(...params, options.limit) as ResourceRow[];
    return rows.map((row) => toRecord<B>(row));
  }

  async getVersion<B>(kind: ResourceKind, id: string, version: number): Promise<VersionRecord<B> | null> {
    void kind;
    const row = this.sql(
      'SELECT id, version, created_at, body FROM resource_versions WHERE id = ? AND version = ?',
    ).get(id, version) as { id: string; version: number; created_at: string; body: string } | undefined;
    return row
      ? { id: row.id, version: row.version, createdAt: row.created_at, body: JSON.parse(row.body) as B }
      : null;
  }

  async listVersions<B>(
    kind: ResourceKind,
    id: string,
    options: { afterVersion?: number; limit: number },
  ): Promise<VersionRecord<B>[]> {
    void kind;
    const rows = this.sql(
      'SELECT id, version, created_at, body FROM resource_versions WHERE id = ? AND version > ? ORDER BY version ASC LIMIT ?',
    ).all(id, options.afterVersion ?? 0, options.limit) as Array<{
      id: string;
      version: number;
      created_at: string;
      body: string;
    }>;
    return rows.map((row) => ({
      id: row.id,
      version: row.version,
      createdAt: row.created_at,
      body: JSON.parse(row.body) as B,
    }));
  }

  // ---- Leases -------------------------------------------------------------------------------

  async acquire(
    sessionId: string,
    holder: string,
    ttlMs: number,
    canTakeOver?: (holder: string) => boolean,
  ): Promise<Lease | null> {
    // Leases need no fsync: after an OS crash every holder is gone, and the epoch only has to
    // outrank writers that are still alive.
    return this.relaxed(() =>
      this.db.transaction(() => {
        const now = Date.now();
        const row = this.sql('SELECT holder, epoch, expires_at FROM leases WHERE session_id = ?').get(sessionId) as
          | { holder: string; epoch: number; expires_at: number }
          | undefined;
        if (row && row.holder !== holder && row.expires_at > now && !canTakeOver?.(row.holder)) return null;
        const epoch = (row?.epoch ?? 0) + 1;
        const expiresAt = now + ttlMs;
        this.sql(
          'INSERT INTO leases (session_id, holder, epoch, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET holder = excluded.holder, epoch = excluded.epoch, expires_at = excluded.expires_at',
        ).run(sessionId, holder, epoch, expiresAt);
        return { sessionId, holder, epoch, expiresAt };
      })(),
    );
  }

  async renew(lease: Lease, ttlMs: number): Promise<boolean> {
    const expiresAt = Date.now() + ttlMs;
    // expires_at = 0 marks a released lease (see release): it is gone, not merely late.
    const result = this.relaxed(() =>
      this.sql(
        'UPDATE leases SET expires_at = ? WHERE session_id = ? AND holder = ? AND epoch = ? AND expires_at > 0',
      ).run(expiresAt, lease.sessionId, lease.holder, lease.epoch),
    );
    if (result.changes === 0) return false;
    lease.expiresAt = expiresAt;
    return true;
  }

  async release(lease: Lease): Promise<void> {
    // Keep the row (and its epoch) so the next holder's epoch is still higher; only expire it.
    this.relaxed(() =>
      this.sql('UPDATE leases SET expires_at = 0 WHERE session_id = ? AND holder = ? AND epoch = ?').run(
        lease.sessionId,
        lease.holder,
        lease.epoch,
      ),
    );
  }

  // ---- IdempotencyStore ---------------------------------------------------------------------

  async claim(key: string, fingerprint: string, now: number): Promise<IdempotencyClaim> {
    return this.db.transaction((): IdempotencyClaim => {
      this.sql('DELETE FROM idempotency_keys WHERE created_at < ?').run(now - IDEMPOTENCY_TTL_MS);
      const row = this.sql('SELECT fingerprint, status, body, created_at FROM idempotency_keys WHERE key = ?').get(
        key,
      ) as { fingerprint: string; status: number | null; body: string | null; created_at: number } | undefined;
      if (!row) {
        this.sql('INSERT INTO idempotency_keys (key, fingerprint, created_at) VALUES (?, ?, ?)').run(
          key,
          fingerprint,
          now,
        );
        return { state: 'claimed' };
      }
      if (row.fingerprint !== fingerprint) return { state: 'mismatch' };
      if (row.status === null || row.body === null) {
        // A claim whose request never finished (the server died mid-request) must not block
        // retries for a day: after a minute the retry takes it over and acts.
        if (row.created_at >= now - IDEMPOTENCY_STALE_CLAIM_MS) return { state: 'in_flight' };
        this.sql('UPDATE idempotency_keys SET created_at = ? WHERE key = ?').run(now, key);
        return { state: 'claimed' };
      }
      return { state: 'replay', response: { status: row.status, body: row.body } };
    })();
  }

  async complete(key: string, response: StoredResponse): Promise<void> {
    this.sql('UPDATE idempotency_keys SET status = ?, body = ? WHERE key = ?').run(response.status, response.body, key);
  }

  async releaseKey(key: string): Promise<void> {
    this.sql('DELETE FROM idempotency_keys WHERE key = ? AND status IS NULL').run(key);
  }
}

function resourceParams(record: ResourceRecord): unknown[] {
  return [
    record.id,
    record.kind,
    record.parentId,
    record.refVersion,
    record.status,
    record.createdAt,
    record.updatedAt,
    record.archivedAt,
    record.revision,
    JSON.stringify(record.body),
  ];
}

function toRecord<B>(row: ResourceRow): ResourceRecord<B> {
  return {
    id: row.id,
    kind: row.kind,
    parentId: row.parent_id,
    refVersion: row.ref_version,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    archivedAt: row.archived_at,
    revision: row.revision,
    body: JSON.parse(row.body) as B,
  };
}
