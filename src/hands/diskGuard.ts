import { statfs } from 'node:fs/promises';
import { formatBytes } from './limits.js';

/**
 * Workspaces live on the server's own disk, and no per-workspace quota exists without a
 * dedicated filesystem (see docs/hands.md), so a sandbox filling the disk is caught here: while
 * sandboxes exist, the free space under the hands root is sampled, and below the reserve every
 * running sandbox is stopped, and stopped again whenever free space keeps shrinking. Calls that
 * only add data (write, edit) are refused while space is low; bash stays usable so files can be
 * deleted. RLIMIT_FSIZE bounds any single file; this bounds the total.
 */
const SHRINK_TOLERANCE = 16 * 1024 * 1024;

export class DiskGuard {
  #timer: NodeJS.Timeout | undefined;
  #freeAtStop = Infinity;

  constructor(
    private readonly path: string,
    private readonly reserveBytes: number,
    private readonly stopAll: (reason: string) => void,
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    if (this.#timer || this.reserveBytes <= 0) return;
    this.#timer = setInterval(() => void this.check(), this.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The reason calls are refused, or null when there is room. */
  async check(): Promise<string | null> {
    if (this.reserveBytes <= 0) return null;
    let free: number;
    try {
      const stats = await statfs(this.path);
      free = stats.bavail * stats.bsize;
    } catch {
      return null;
    }
    if (free >= this.reserveBytes) {
      this.#freeAtStop = Infinity;
      return null;
    }
    const reason =
      `the server's disk is nearly full (${formatBytes(free)} free, ${formatBytes(this.reserveBytes)} reserved for the server), ` +
      'so the sandbox was stopped; delete large files from the workspace';
    if (free < this.#freeAtStop - SHRINK_TOLERANCE) {
      this.#freeAtStop = free;
      this.stopAll(reason);
    }
    return reason;
  }
}
