import type { ChildProcess } from 'node:child_process';
import type { LimitHit, RunOutcome, Sandbox, SandboxCommand, ShellOutcome } from '../core/hands.js';
import { collectRun } from './collectRun.js';
import { PersistentShell, type ShellExit } from './shell.js';

/** One persistent shell process and what it holds (its cgroup, when it has one). */
export interface ShellHandle {
  proc: ChildProcess;
  /** Runs before any command: rlimits, cwd, the egress bridge. */
  preamble: string;
  /** How often each limit has fired in the shell's cgroup (zeros without one). */
  counters(): Record<LimitHit, number>;
  /** Kills whatever is left of the shell and removes its cgroup. */
  release(): Promise<void>;
}

/** What a backend supplies to run processes inside one session's sandbox. */
export interface SandboxDriver {
  readonly backend: string;
  readonly workdir: string;
  spawnShell(): ShellHandle;
  /** Starts one program or bash script (stdio piped) with the sandbox's view and rlimits. */
  spawnRun(command: SandboxCommand): ChildProcess;
  /** Kills a process started by this driver and everything it started. */
  kill(proc: ChildProcess): void;
  /** Explains a limit to the model, e.g. "the sandbox's memory limit (1 GiB)". */
  describeLimit(hit: LimitHit): string;
}

/**
 * The `Sandbox` port over a driver: one persistent shell at a time (calls are queued, as the
 * SDK's bash tool queues them), one-shot processes for the file tools, idle shutdown.
 */
export class ProcessSandbox implements Sandbox {
  readonly backend: string;
  readonly workdir: string;
  #shell: { shell: PersistentShell; handle: ShellHandle } | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #idleTimer: NodeJS.Timeout | undefined;
  #running = new Set<ChildProcess>();
  #disposed = false;
  #stopReason: string | undefined;

  constructor(
    private readonly driver: SandboxDriver,
    private readonly idleShellMs: number,
  ) {
    this.backend = driver.backend;
    this.workdir = driver.workdir;
  }

  /** Whether anything runs (the disk guard stops only sandboxes that do). */
  get active(): boolean {
    return (this.#shell?.shell.alive ?? false) || this.#running.size > 0;
  }

  exec(
    command: string,
    options: { timeoutMs: number; maxOutputChars: number },
    signal: AbortSignal,
  ): Promise<ShellOutcome> {
    return this.#serialize(() => this.#exec(command, options, signal));
  }

  restartShell(): Promise<void> {
    return this.#serialize(async () => this.#killShell());
  }

  async run(command: SandboxCommand, signal: AbortSignal): Promise<RunOutcome> {
    if (this.#disposed) throw new Error('sandbox disposed');
    const proc = this.driver.spawnRun(command);
    this.#running.add(proc);
    try {
      return await collectRun(proc, command, signal, () => this.driver.kill(proc));
    } finally {
      this.#running.delete(proc);
    }
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    clearTimeout(this.#idleTimer);
    const shell = this.#killShell();
    for (const proc of this.#running) this.driver.kill(proc);
    await shell;
  }

  /** Kills every process without disposing: the next call starts afresh. `reason` is told to the model. */
  stopProcesses(reason?: string): void {
    this.#stopReason = reason;
    void this.#killShell();
    for (const proc of this.#running) this.driver.kill(proc);
  }

  async #exec(
    command: string,
    options: { timeoutMs: number; maxOutputChars: number },
    signal: AbortSignal,
  ): Promise<ShellOutcome> {
    if (this.#disposed) return { status: 'died', reason: 'the sandbox was shut down' };
    clearTimeout(this.#idleTimer);
    const current = this.#ensureShell();
    const before = current.handle.counters();
    const result = await current.shell.run(command, options.timeoutMs, options.maxOutputChars, signal);
    const limitHit = limitHitSince(before, current.handle.counters());
    if (result.status === 'died') {
      const exit = await current.shell.exited;
      const reason = this.#stopReason ?? this.#deathReason(exit, limitHit);
      this.#stopReason = undefined;
      if (this.#shell === current) this.#shell = null;
      void current.handle.release().catch(() => {});
      return { status: 'died', reason };
    }
    if (result.status !== 'exited') {
      // The command may still be running and would print a stale sentinel: start afresh.
      void this.#killShell();
      return result.status === 'timed_out' && limitHit ? { status: 'timed_out', limitHit } : result;
    }
    this.#armIdleTimer();
    return limitHit ? { ...result, limitHit } : result;
  }

  #ensureShell(): { shell: PersistentShell; handle: ShellHandle } {
    if (this.#shell?.shell.alive) return this.#shell;
    this.#stopReason = undefined;
    const handle = this.driver.spawnShell();
    this.#shell = { shell: new PersistentShell(handle.proc, handle.preamble), handle };
    return this.#shell;
  }

  /** Kills the shell now; resolves once its cgroup is gone. */
  async #killShell(): Promise<void> {
    const current = this.#shell;
    this.#shell = null;
    if (!current) return;
    this.driver.kill(current.handle.proc);
    await current.shell.exited;
    await current.handle.release().catch(() => {});
  }

  #armIdleTimer(): void {
    if (this.idleShellMs <= 0) return;
    this.#idleTimer = setTimeout(() => void this.restartShell(), this.idleShellMs);
    this.#idleTimer.unref();
  }

  #deathReason(exit: ShellExit, limitHit: LimitHit | undefined): string {
    if (limitHit) return `${this.driver.describeLimit(limitHit)} was reached and the shell was killed`;
    const launcher = exit.stderr ? `: ${exit.stderr.split('\n').slice(-3).join(' ')}` : '';
    if (exit.signal) return `the sandbox was killed by ${exit.signal}${launcher}`;
    return `the shell exited with status ${exit.code ?? 'unknown'}${launcher}`;
  }

  #serialize<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(task, task);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}

function limitHitSince(before: Record<LimitHit, number>, after: Record<LimitHit, number>): LimitHit | undefined {
  if (after.memory > before.memory) return 'memory';
  if (after.pids > before.pids) return 'pids';
  return undefined;
}
