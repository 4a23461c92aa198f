import type { ChildProcess } from 'node:child_process';
import type { LimitHit, RunOutcome, Sandbox, SandboxCommand, ShellOutcome } from '../core/hands.js';
import { PersistentShell, type ShellExit } from './shell.js';

/** What a backend supplies to run processes inside one session's sandbox. */
export interface SandboxDriver {
  readonly backend: string;
  readonly workdir: string;
  /** Starts the persistent shell; `preamble` runs before any command (rlimits, cwd). */
  spawnShell(): { proc: ChildProcess; preamble: string };
  /** Starts one program (stdio piped) with the sandbox's view and limits. */
  spawnRun(argv: string[]): ChildProcess;
  /** Kills a process started by this driver and everything it started. */
  kill(proc: ChildProcess): void;
  /** Limit counters of the sandbox (zeros when it has no cgroup). */
  counters(): Record<LimitHit, number>;
  /** Explains a limit hit to the model, e.g. "the sandbox's memory limit (1 GiB)". */
  describeLimit(hit: LimitHit): string;
  /** Kills whatever is left and releases the sandbox's resources (cgroup); the workspace stays. */
  release(): Promise<void>;
}

const DEFAULT_MAX_OUTPUT_BYTES = 8 * 1024 * 1024;
const STDERR_MAX_BYTES = 64 * 1024;

/**
 * The `Sandbox` port over a driver: one persistent shell at a time (calls are queued, as the
 * SDK's bash tool queues them), one-shot processes for the file tools, idle shutdown.
 */
export class ProcessSandbox implements Sandbox {
  readonly backend: string;
  readonly workdir: string;
  #shell: PersistentShell | null = null;
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

  /** Whether a shell is running (used by the disk guard to find sandboxes worth stopping). */
  get active(): boolean {
    return (this.#shell?.alive ?? false) || this.#running.size > 0;
  }

  exec(command: string, options: { timeoutMs: number; maxOutputChars: number }, signal: AbortSignal): Promise<ShellOutcome> {
    return this.#serialize(() => this.#exec(command, options, signal));
  }

  restartShell(): Promise<void> {
    return this.#serialize(async () => this.#killShell());
  }

  async run(command: SandboxCommand, signal: AbortSignal): Promise<RunOutcome> {
    if (this.#disposed) throw new Error('sandbox disposed');
    const before = this.driver.counters();
    const proc = this.driver.spawnRun(command.argv);
    this.#running.add(proc);
    try {
      const outcome = await collect(proc, command, signal, () => this.driver.kill(proc));
      const limitHit = limitHitSince(before, this.driver.counters());
      return limitHit ? { ...outcome, limitHit } : outcome;
    } finally {
      this.#running.delete(proc);
    }
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    clearTimeout(this.#idleTimer);
    this.#killShell();
    for (const proc of this.#running) this.driver.kill(proc);
    await this.driver.release();
  }

  /** Stops every process without disposing: the next call starts afresh. `reason` is told to the model. */
  stopProcesses(reason?: string): void {
    this.#stopReason = reason;
    this.#killShell();
    for (const proc of this.#running) this.driver.kill(proc);
  }

  async #exec(command: string, options: { timeoutMs: number; maxOutputChars: number }, signal: AbortSignal): Promise<ShellOutcome> {
    if (this.#disposed) return { status: 'died', reason: 'the sandbox was shut down' };
    clearTimeout(this.#idleTimer);
    const shell = this.#ensureShell();
    const before = this.driver.counters();
    const result = await shell.run(command, options.timeoutMs, options.maxOutputChars, signal);
    const limitHit = limitHitSince(before, this.driver.counters());
    if (result.status === 'died') {
      const exit = await shell.exited;
      this.#shell = null;
      const reason = this.#stopReason ?? this.#deathReason(exit, limitHit);
      this.#stopReason = undefined;
      return { status: 'died', reason };
    }
    if (result.status !== 'exited') {
      // The command may still be running and would print a stale sentinel: start afresh.
      this.#killShell();
      return result.status === 'timed_out' && limitHit ? { status: 'timed_out', limitHit } : result;
    }
    this.#armIdleTimer();
    return limitHit ? { ...result, limitHit } : result;
  }

  #ensureShell(): PersistentShell {
    if (this.#shell?.alive) return this.#shell;
    this.#stopReason = undefined;
    const { proc, preamble } = this.driver.spawnShell();
    this.#shell = new PersistentShell(proc, preamble);
    return this.#shell;
  }

  #killShell(): void {
    const shell = this.#shell;
    this.#shell = null;
    if (!shell) return;
    this.driver.kill(shell.proc);
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
    if (exit.code === 137) return `the sandbox was killed (SIGKILL)${launcher}`;
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

/** Feeds stdin, gathers capped output, and enforces the wall time of a one-shot process. */
function collect(proc: ChildProcess, command: SandboxCommand, signal: AbortSignal, kill: () => void): Promise<RunOutcome> {
  const maxOut = command.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let outBytes = 0;
  let errBytes = 0;
  let truncated = false;
  let killedBy: RunOutcome['killedBy'];
  proc.stdout?.on('data', (chunk: Buffer) => {
    if (truncated) return;
    const room = maxOut - outBytes;
    if (chunk.length > room) {
      out.push(chunk.subarray(0, room));
      outBytes = maxOut;
      truncated = true;
      kill();
      return;
    }
    out.push(chunk);
    outBytes += chunk.length;
  });
  proc.stderr?.on('data', (chunk: Buffer) => {
    if (errBytes < STDERR_MAX_BYTES) err.push(chunk.subarray(0, STDERR_MAX_BYTES - errBytes));
    errBytes += chunk.length;
  });
  proc.stdin?.on('error', () => {});
  proc.stdin?.end(command.stdin ?? '');
  const stop = (why: 'timeout' | 'abort') => {
    killedBy ??= why;
    kill();
  };
  const timer = setTimeout(() => stop('timeout'), command.timeoutMs);
  const onAbort = () => stop('abort');
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  return new Promise((resolve) => {
    const finish = (code: number | null, sig: NodeJS.Signals | null) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (sig && !killedBy && !truncated) killedBy = 'signal';
      resolve({
        exitCode: code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        truncated,
        ...(killedBy ? { killedBy } : {}),
      });
    };
    proc.once('close', finish);
    proc.once('error', (error) => {
      err.push(Buffer.from(String(error)));
      finish(null, null);
    });
  });
}
