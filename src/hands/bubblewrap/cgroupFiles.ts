import { existsSync, readFileSync } from 'node:fs';

/** Small helpers over cgroupfs files, shared by the v1 and v2 drivers. */

/** Reads `key value` lines (memory.events, pids.events, memory.oom_control). */
export function readCounter(file: string, key: string): number {
  try {
    const line = readFileSync(file, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${key} `));
    return line ? Number(line.slice(key.length + 1)) || 0 : 0;
  } catch {
    return 0;
  }
}

export function readPids(procsFile: string): number[] {
  try {
    return readFileSync(procsFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map(Number)
      .filter((pid) => pid > 0);
  } catch {
    return [];
  }
}

export function killPids(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** rmdir of a cgroup fails with EBUSY while its last processes are being reaped: retry briefly. */
export async function removeCgroupDirs(dirs: string[], rmdir: (dir: string) => void): Promise<void> {
  for (const dir of dirs) {
    for (let attempt = 0; existsSync(dir); attempt++) {
      try {
        rmdir(dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') break;
        if (attempt >= 400) throw error;
        await sleep(5);
      }
    }
  }
}

/** A per-server-process directory name, so two servers (or test workers) never sweep each other. */
export const INSTANCE_DIR = `i${process.pid}`;

/** Whether an instance directory belongs to a process that no longer runs (left by a crash). */
export function isStaleInstance(name: string): boolean {
  const match = /^i(\d+)$/.exec(name);
  if (!match) return false;
  return !existsSync(`/proc/${match[1]}`);
}
