import { hostname } from 'node:os';
import type { BrainDeps } from './deps.js';
import type { BrainState } from './state.js';
import { SessionRunner } from './sessionRunner.js';

const MAX_CACHED_FOLDS = 1_000;

interface RunningSession {
  runner: SessionRunner;
  /** Woken while running: look at the log again before letting go. */
  dirty: boolean;
  /** Set while the session lingers idle (see `linger`): ends the wait. */
  poke?: () => void;
}

/** Events that must cut the current step short (the user took control, or the session ended), and why. */
const ABORTING: Record<string, string> = {
  'user.interrupt': 'interrupted by the user',
  'session.status_terminated': 'the session was terminated',
  'session.deleted': 'the session was deleted',
};

/**
 * Runs sessions in this process. `wake` is the API's port: it returns at once and makes
 * sure the session is (re)examined. A session runs here only while this worker holds its
 * lease; a periodic sweep picks up sessions whose worker died and whose lease has expired.
 */
export class BrainWorker {
  private readonly running = new Map<string, RunningSession>();
  /** Sessions whose run is acquiring its lease: it folds the log after that, so a wake needs nothing. */
  private readonly starting = new Set<string>();
  /** Every run in progress, lingering ones included: `close` waits for them. */
  private readonly runs = new Set<Promise<void>>();
  private readonly queue: string[] = [];
  private sweepTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly idleWaiters = new Set<() => void>();
  /** Folded state of recently run sessions, most recent last; bounded so memory stays flat. */
  private readonly folds = new Map<string, BrainState>();

  constructor(private readonly deps: BrainDeps) {}

  start(): void {
    void this.sweep();
    this.sweepTimer = setInterval(() => void this.sweep(), this.deps.limits.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  wake = (sessionId: string): void => {
    if (this.closed) return;
    const current = this.running.get(sessionId);
    if (current) {
      current.dirty = true;
      current.poke?.();
      return;
    }
    if (this.starting.has(sessionId)) return;
    if (!this.queue.includes(sessionId)) this.queue.push(sessionId);
    // Not inline: the caller may be in the middle of a store commit (`onCommitted`) or of an
    // HTTP handler, and the store is synchronous. The next turn of the loop runs the brain
    // before the commit's fsync (see SqliteStore.append).
    setImmediate(() => this.pump());
  };

  /** Sessions that have work and no live lease holder: after a restart, or a peer's crash. */
  private lastSweepAt = 0;

  private async sweep(): Promise<void> {
    this.lastSweepAt = Date.now();
    try {
      for (const id of await this.deps.log.activeSessions()) this.wake(id);
    } catch (error) {
      this.deps.logger.error({ err: error }, 'brain sweep failed');
    }
  }

  /** Sessions doing work (or starting to); lingering ones hold no capacity. */
  private active(): number {
    let count = this.starting.size;
    for (const entry of this.running.values()) if (!entry.poke) count += 1;
    return count;
  }

  private pump(): void {
    while (this.active() < this.deps.limits.maxConcurrentSessions && this.queue.length > 0) {
      const id = this.queue.shift();
      if (id === undefined || this.running.has(id) || this.starting.has(id)) continue;
      this.starting.add(id);
      const run = this.runSession(id).catch((error: unknown) =>
        this.deps.logger.error({ err: error, sessionId: id }, 'session run failed'),
      );
      this.runs.add(run);
      void run.finally(() => this.runs.delete(run));
    }
  }

  private async runSession(sessionId: string): Promise<void> {
    const { leases, limits, workerId, log, logger } = this.deps;
    const lease = await leases.acquire(sessionId, workerId, limits.leaseTtlMs, holderIsDead).catch(() => null);
    this.starting.delete(sessionId);
    if (!lease) return this.finished();
    if (this.closed) {
      await leases.release(lease).catch(() => undefined);
      return this.finished();
    }
    const runner = new SessionRunner(this.deps, sessionId, lease, this.takeFold(sessionId));
    const entry: RunningSession = { runner, dirty: false };
    this.running.set(sessionId, entry);
    const from = await log.lastSeq(sessionId).catch(() => 0);
    const unsubscribe = log.subscribe(sessionId, from, (events) => {
      for (const event of events) {
        const reason = ABORTING[event.type];
        if (reason) runner.abortStep(reason);
      }
    });
    const renew = setInterval(() => {
      leases.renew(lease, limits.leaseTtlMs).then(
        (ok) => {
          if (!ok) this.stopRun(entry, 'lease lost');
        },
        () => this.stopRun(entry, 'lease renewal failed'),
      );
    }, limits.leaseRenewMs);
    renew.unref();
    try {
      for (;;) {
        entry.dirty = false;
        const keep = await runner.run();
        if (!keep || this.closed) break;
        if (!entry.dirty && !(await this.linger(entry))) break;
      }
    } catch (error) {
      logger.error({ err: error, sessionId }, 'session runner failed');
    } finally {
      this.keepFold(sessionId, runner.state);
      clearInterval(renew);
      unsubscribe();
      this.running.delete(sessionId);
      await leases.release(lease).catch(() => undefined);
      // A wake that raced with the end of the run must not be lost.
      if (entry.dirty && !this.closed) this.wake(sessionId);
      this.finished();
    }
  }

  /** Stops a run for good, whether it is working or lingering. */
  private stopRun(entry: RunningSession, reason: string): void {
    entry.runner.stop(reason);
    entry.poke?.();
  }

  /**
   * Waits up to `lingerMs` for the idle session's next wake, keeping its lease and state: the
   * next turn then starts without re-acquiring and re-reading. Resolves false when nothing came
   * (or the worker is closing); the lease is then released as usual.
   */
  private linger(entry: RunningSession): Promise<boolean> {
    const { lingerMs } = this.deps.limits;
    if (lingerMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        entry.poke = undefined;
        // At capacity, a woken session goes back to the queue (its wake is kept as `dirty`).
        const hasRoom = this.active() <= this.deps.limits.maxConcurrentSessions;
        resolve(entry.dirty && hasRoom && !this.closed);
      };
      const timer = setTimeout(done, lingerMs);
      timer.unref();
      entry.poke = done;
      // A lingering session is idle: it frees its capacity and does not hold up `whenIdle`.
      this.finished();
    });
  }

  private takeFold(sessionId: string): BrainState | undefined {
    const state = this.folds.get(sessionId);
    this.folds.delete(sessionId);
    return state;
  }

  private keepFold(sessionId: string, state: BrainState): void {
    this.folds.set(sessionId, state);
    if (this.folds.size > MAX_CACHED_FOLDS) {
      const oldest = this.folds.keys().next().value;
      if (oldest !== undefined) this.folds.delete(oldest);
    }
  }

  private finished(): void {
    this.pump();
    if (this.active() === 0 && this.queue.length === 0) for (const resolve of this.idleWaiters) resolve();
  }

  /**
   * Health that proves progress, not just that the process answers: the sweep ran recently and
   * no session has been stuck in one step past `stallAfterMs`.
   */
  health(now = Date.now()) {
    const stalled = [...this.running.values()]
      .map(({ runner }) => ({ session_id: runner.sessionId, step: runner.current?.step, since: runner.current?.since }))
      .filter((entry) => entry.since !== undefined && now - entry.since > this.deps.limits.stallAfterMs)
      .map((entry) => ({
        session_id: entry.session_id,
        step: entry.step,
        seconds: Math.round((now - entry.since!) / 1000),
      }));
    // Generous: a busy machine delays timers; only a sweep loop that stopped should fail the check.
    const sweepLate =
      this.lastSweepAt > 0 && now - this.lastSweepAt > Math.max(3 * this.deps.limits.sweepIntervalMs, 10_000);
    return {
      ok: stalled.length === 0 && !sweepLate && !this.closed,
      running_sessions: this.active(),
      lingering_sessions: [...this.running.values()].filter((entry) => entry.poke).length,
      queued_sessions: this.queue.length,
      last_sweep_at: this.lastSweepAt ? new Date(this.lastSweepAt).toISOString() : null,
      stalled_sessions: stalled,
    };
  }

  /** Resolves when no session is running (lingering ones are idle) or queued. */
  whenIdle(): Promise<void> {
    if (this.active() === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.idleWaiters.delete(done);
        resolve();
      };
      this.idleWaiters.add(done);
    });
  }

  /** Stops taking work and aborts running steps; their sessions resume from the log later. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweepTimer);
    this.queue.length = 0;
    for (const entry of this.running.values()) this.stopRun(entry, 'worker shutting down');
    // Every run, lingering ones included, has released its lease when its promise settles.
    await Promise.allSettled(this.runs);
  }
}

/**
 * Worker ids are `host:pid:…`. A lease held by a process of this host that no longer exists
 * (a crash, a kill -9) is taken over at once instead of after its TTL, so a restarted server
 * resumes its sessions immediately. Other hosts' leases are left to expire.
 */
export function holderIsDead(holder: string): boolean {
  const [host, pid] = holder.split(':');
  if (host !== hostname() || !pid || !/^\d+$/.test(pid) || Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
