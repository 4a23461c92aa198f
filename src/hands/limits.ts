import type { SandboxCommand } from '../core/hands.js';

/**
 * What one sandbox may use. Memory, processes and CPU are enforced by the sandbox's cgroup when
 * one can be made (v1 or v2); otherwise by rlimits set in the sandbox's first shell line, which
 * are weaker (see docs/hands.md). File size, open files and core dumps are always rlimits.
 */
export interface SandboxLimits {
  /** cgroup memory limit, tmpfs pages included; the OOM killer then kills inside the sandbox only. */
  memoryBytes: number;
  /** cgroup pids.max: a fork bomb stops here. */
  pids: number;
  /** CPU quota in cores (cfs quota / period). */
  cpus: number;
  /** RLIMIT_FSIZE: the largest file a sandboxed process may write. */
  fileSizeBytes: number;
  /** RLIMIT_NOFILE. */
  openFiles: number;
  /** Size caps of the private tmpfs mounts; their pages also count against `memoryBytes`. */
  tmpBytes: number;
  homeBytes: number;
  /** Upper bound for any one call's wall time, whatever `timeout_ms` the model asks for. */
  maxCallMs: number;
  /** A shell idle this long is stopped (its processes end; the workspace stays). 0 = never. */
  idleShellMs: number;
  /**
   * While sandboxes run, the free space of the data dir's filesystem is watched; below this
   * every running sandbox is stopped so the server itself can still write.
   */
  diskReserveBytes: number;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export const DEFAULT_LIMITS: SandboxLimits = {
  memoryBytes: 1 * GiB,
  pids: 512,
  cpus: 1,
  fileSizeBytes: 1 * GiB,
  openFiles: 1024,
  tmpBytes: 256 * MiB,
  homeBytes: 64 * MiB,
  maxCallMs: 10 * 60_000,
  idleShellMs: 30 * 60_000,
  diskReserveBytes: 2 * GiB,
};

export function resolveLimits(overrides: Partial<SandboxLimits> = {}): SandboxLimits {
  const limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isFinite(value) || value < 0) throw new Error(`sandbox limit ${key} must be a non-negative number`);
  }
  return limits;
}

/**
 * The shell lines that apply the rlimits. They run first in every sandboxed shell, before any
 * command the model wrote, and lower soft and hard limits together so they cannot be raised.
 * `fallback` adds the weaker stand-ins used when there is no cgroup.
 */
export function rlimitScript(limits: SandboxLimits, fallback: { nproc: boolean; memory: boolean }): string {
  const lines = [
    `ulimit -f ${Math.max(1, Math.floor(limits.fileSizeBytes / 1024))}`,
    `ulimit -n ${limits.openFiles}`,
    'ulimit -c 0',
  ];
  // RLIMIT_NPROC counts every process of the host uid, so it is a per-sandbox limit only when
  // each sandbox has its own uid; RLIMIT_DATA rather than RLIMIT_AS, which breaks V8 and the JVM.
  if (fallback.nproc) lines.push(`ulimit -u ${limits.pids}`);
  if (fallback.memory) lines.push(`ulimit -d ${Math.floor(limits.memoryBytes / 1024)}`);
  return lines.map((line) => `${line} 2>/dev/null`).join('\n');
}

/** One bash that applies the rlimits, then runs the script or execs the program. */
export function bashPayload(rlimits: string, command: SandboxCommand): string[] {
  const head = ['bash', '--noprofile', '--norc', '-c'];
  if ('bashScript' in command) return [...head, `${rlimits}\n${command.bashScript}`, 'bosun-run', ...command.args];
  return [...head, `${rlimits}\nexec "$@"`, 'bosun-run', ...command.argv];
}

export function formatBytes(bytes: number): string {
  if (bytes >= GiB && bytes % GiB === 0) return `${bytes / GiB} GiB`;
  if (bytes >= MiB) return `${Math.round(bytes / MiB)} MiB`;
  return `${bytes} bytes`;
}
