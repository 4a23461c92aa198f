import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxLimits } from '../limits.js';
import { type CgroupMount, cgroupDir } from './cgroupMounts.js';
import type { CgroupDetection, SandboxCgroup } from './cgroups.js';
import {
  INSTANCE_DIR,
  isStaleInstance,
  killPids,
  readCounter,
  readPids,
  removeCgroupDirs,
  sleep,
} from './cgroupFiles.js';

const NEEDED = ['memory', 'pids', 'cpu'] as const;

/**
 * cgroup v2 (not testable on the project's CI kind, which is v1-hybrid). Sandboxes go below the
 * configured delegated root, or below the server's own cgroup when the controllers can be enabled
 * there (the "no internal processes" rule forbids it when the server's cgroup holds processes and
 * is not the root; run the server with systemd `Delegate=yes` and point `cgroupRoot` at a
 * subtree it owns).
 */
export function detectCgroupV2(mounts: CgroupMount[], own: Map<string, string>, cgroupRoot?: string): CgroupDetection {
  const mount = mounts.find((m) => m.version === 2);
  if (!mount) return { support: null, reason: 'no cgroup v2 mount' };
  const root = cgroupRoot ?? cgroupDir(mount, own.get('') ?? '/');
  let available: string[];
  try {
    available = readFileSync(join(root, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
  } catch {
    return { support: null, reason: `cgroup v2: cannot read ${root}/cgroup.controllers` };
  }
  const enforced = NEEDED.filter((c) => available.includes(c));
  if (!enforced.includes('memory') && !enforced.includes('pids')) {
    return { support: null, reason: `cgroup v2: memory and pids are not available at ${root} (hybrid host?)` };
  }
  const base = join(root, 'bosun');
  const instance = join(base, INSTANCE_DIR);
  try {
    enableControllers(root, enforced);
    mkdirSync(base, { recursive: true });
    enableControllers(base, enforced);
    sweepStaleInstances(base);
    mkdirSync(instance, { recursive: true });
    enableControllers(instance, enforced);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return { support: null, reason: `cgroup v2: cannot delegate controllers below ${root} (${code})` };
  }
  return {
    support: {
      version: 2,
      enforced,
      joinNeedsRoot: true,
      description: `cgroup v2: ${enforced.join(', ')} under ${instance}`,
      create: (name, limits) => createV2(join(instance, name), limits),
      release: async () => {
        for (const dir of [instance, base]) {
          try {
            rmdirSync(dir);
          } catch {
            // busy (another server's sandboxes) or gone
          }
        }
      },
    },
  };
}

function enableControllers(dir: string, controllers: readonly string[]): void {
  const enabled = readFileSync(join(dir, 'cgroup.subtree_control'), 'utf8').trim().split(/\s+/);
  const missing = controllers.filter((c) => !enabled.includes(c));
  if (missing.length) writeFileSync(join(dir, 'cgroup.subtree_control'), missing.map((c) => `+${c}`).join(' '));
}

function createV2(dir: string, limits: SandboxLimits): SandboxCgroup {
  mkdirSync(dir);
  const write = (file: string, value: string) => {
    if (existsSync(join(dir, file))) writeFileSync(join(dir, file), value);
  };
  try {
    write('memory.max', String(limits.memoryBytes));
    write('memory.swap.max', '0');
    write('pids.max', String(limits.pids));
    if (limits.cpus > 0) write('cpu.max', `${Math.max(1000, Math.round(limits.cpus * 100_000))} 100000`);
  } catch (error) {
    rmdirSync(dir);
    throw error;
  }
  const procs = join(dir, 'cgroup.procs');
  return {
    procsFiles: [procs],
    counters: () => ({
      memory: readCounter(join(dir, 'memory.events'), 'oom_kill'),
      pids: readCounter(join(dir, 'pids.events'), 'max'),
    }),
    killAll: async () => {
      if (existsSync(join(dir, 'cgroup.kill'))) writeFileSync(join(dir, 'cgroup.kill'), '1');
      for (let i = 0; i < 100 && readPids(procs).length > 0; i++) {
        killPids(readPids(procs));
        await sleep(10);
      }
    },
    remove: () => removeCgroupDirs([dir], rmdirSync),
  };
}

function sweepStaleInstances(base: string): void {
  for (const name of readdirSync(base)) {
    if (!isStaleInstance(name)) continue;
    try {
      const instance = join(base, name);
      for (const child of readdirSync(instance, { withFileTypes: true })) {
        if (child.isDirectory()) rmdirSync(join(instance, child.name));
      }
      rmdirSync(instance);
    } catch {
      // still draining
    }
  }
}
