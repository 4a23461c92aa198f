/**
 * The session log port: an ordered, append-only list of events per session.
 * Every adapter (SQLite, PostgreSQL) passes `test/contract/sessionLog.contract.ts`.
 */
import type { SessionSummary } from './sessionSummary.js';

/** An event as the log holds it. `data` is what the API shows; `hidden` never leaves the server. */
export interface StoredEvent {
  /** Position in the session, from 1, gap-free; the SSE `id:`. */
  seq: number;
  id: string;
  type: string;
  /** When the log accepted it (RFC 3339). Server events show this as `processed_at`. */
  createdAt: string;
  /**
   * The public `processed_at`. Server events: equal to createdAt. User events: null until a
   * brain event that takes them in (see `AppendOptions.intakeThroughSeq`) is appended.
   */
  processedAt: string | null;
  data: Record<string, unknown>;
  /** What the model must see again on replay (thinking signatures, summaries); never public. */
  hidden: Record<string, unknown> | null;
}

export interface NewEvent {
  /** Defaults to a fresh `sevt_` id. The brain sets it to make retried appends detectable. */
  id?: string;
  type: string;
  data?: Record<string, unknown>;
  hidden?: Record<string, unknown> | null;
}

export interface AppendOptions {
  /**
   * The writer's lease epoch. Brain appends carry it and are rejected with StaleEpochError when
   * another worker holds a newer lease. API (user) appends omit it: the sequence orders them.
   */
  epoch?: number;
  /**
   * The brain has taken in every user event up to this seq: their `processed_at` becomes this
   * batch's time. Recorded on the batch's first event, so the log itself stays append-only.
   */
  intakeThroughSeq?: number;
  /**
   * `full` (default): on disk before `append` resolves. `relaxed`: visible at once and safe
   * against a process crash, but an OS crash or power loss may drop it until the next `full`
   * append. The log stays a gap-free prefix either way. The brain writes `relaxed`: whatever
   * it loses it redoes from the log; every client event is `full` (invariant 1).
   */
  durability?: 'full' | 'relaxed';
  /**
   * Called once the events are committed and readable, possibly before they are durable
   * (`append` resolves when they are). For work that acknowledges nothing and would otherwise
   * wait for the fsync: the API wakes the brain here, so the model request goes out while the
   * user's event is being synced. Not called for an append that fails.
   */
  onCommitted?: () => void;
}

export interface ReadOptions {
  afterSeq?: number;
  beforeSeq?: number;
  limit?: number;
  order?: 'asc' | 'desc';
  types?: readonly string[];
  createdAt?: TimeRange;
}

export interface TimeRange {
  gt?: string;
  gte?: string;
  lt?: string;
  lte?: string;
}

export type EventListener = (events: readonly StoredEvent[]) => void;

export interface SessionLog {
  /** Appends atomically and durably, then notifies subscribers. Resolves with the stored events. */
  append(sessionId: string, events: readonly NewEvent[], options?: AppendOptions): Promise<StoredEvent[]>;
  read(sessionId: string, options?: ReadOptions): Promise<StoredEvent[]>;
  lastSeq(sessionId: string): Promise<number>;
  /**
   * Calls `listener` with every event after `afterSeq`, first the ones already stored, then
   * live ones as they are appended, in order, each exactly once. Returns the unsubscribe call.
   */
  subscribe(sessionId: string, afterSeq: number, listener: EventListener): () => void;
  /**
   * `foldSessionSummary` over the whole log, as committed by the last append (the store folds
   * inside the append's transaction). Null when the session does not exist.
   */
  sessionSummary(sessionId: string): Promise<SessionSummary | null>;
  /** Sessions whose summary says they need a brain (see `needsBrain`), for the workers' sweep. */
  activeSessions(): Promise<string[]>;
}
