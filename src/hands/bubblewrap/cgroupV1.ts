import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxLimits } from '../limits.js';
import { type CgroupMount, cgroupDir } from './cgroupMounts.js';
import type { CgroupDetection, CgroupSupport, SandboxCgroup } from './cgroups.js';
import {
  INSTANCE_DIR,
  isStaleInstance,
  killPids,
  readCounter,
  readPids,
  removeCgroupDirs,
  sleep,
} from './cgroupFiles.js';

const WANTED = ['memory', 'pids', 'cpu', 'freezer'] as const;
type V1Controller = (typeof WANTED)[number];

/** cgroup v1: one directory per controller hierarchy, each below this process's own cgroup. */
export function detectCgroupV1(mounts: CgroupMount[], own: Map<string, string>): CgroupDetection {
  const bases = new Map<V1Controller, string>();
  const problems: string[] = [];
  for (const controller of WANTED) {
    const mount = mounts.find((m) => m.version === 1 && m.controllers.includes(controller));
    if (!mount) continue;
    const base = join(cgroupDir(mount, own.get(controller) ?? '/'), 'bosun', INSTANCE_DIR);
    try {
      mkdirSync(base, { recursive: true });
      sweepStaleInstances(join(base, '..'));
      bases.set(controller, base);
    } catch (error) {
      problems.push(`${controller}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  if (!bases.has('memory') && !bases.has('pids')) {
    const detail = problems.length ? ` (${problems.join(', ')})` : '';
    return { support: null, reason: `cgroup v1: no writable memory or pids hierarchy${detail}` };
  }
  const enforced = (['memory', 'pids', 'cpu'] as const).filter((c) => bases.has(c));
  const support: CgroupSupport = {
    version: 1,
    enforced,
    joinNeedsRoot: false,
    description: `cgroup v1: ${[...bases.keys()].join(', ')} under ${bases.get('memory') ?? bases.get('pids')}`,
    create: (name, limits, owner) => createV1(bases, name, limits, owner),
    release: async () => {
      // the shared `bosun` parent too, once empty: it must not keep the server's own cgroup busy
      for (const base of bases.values()) [base, join(base, '..')].forEach(tryRmdir);
    },
  };
  return { support };
}

function createV1(
  bases: Map<V1Controller, string>,
  name: string,
  limits: SandboxLimits,
  owner: { uid: number; gid: number } | null,
): SandboxCgroup {
  const dirs = new Map<V1Controller, string>();
  try {
    for (const [controller, base] of bases) {
      const dir = join(base, name);
      mkdirSync(dir);
      dirs.set(controller, dir);
      // A process may move itself into a v1 cgroup whose cgroup.procs it can write: owning the
      // file lets the unprivileged launcher join before it execs bwrap (no setpriv, no root).
      if (owner) chownSync(join(dir, 'cgroup.procs'), owner.uid, owner.gid);
    }
    writeLimits(dirs, limits);
  } catch (error) {
    for (const dir of dirs.values()) tryRmdir(dir);
    throw error;
  }
  const memory = dirs.get('memory');
  const pids = dirs.get('pids');
  const listFile = join(pids ?? memory ?? [...dirs.values()][0] ?? '', 'cgroup.procs');
  return {
    procsFiles: [...dirs.values()].map((dir) => join(dir, 'cgroup.procs')),
    counters: () => ({
      memory: memory ? readCounter(join(memory, 'memory.oom_control'), 'oom_kill') : 0,
      pids: pids ? readCounter(join(pids, 'pids.events'), 'max') : 0,
    }),
    killAll: () => killV1(dirs.get('freezer'), listFile),
    remove: () => removeCgroupDirs([...dirs.values()], rmdirSync),
  };
}

function writeLimits(dirs: Map<V1Controller, string>, limits: SandboxLimits): void {
  const memory = dirs.get('memory');
  if (memory) {
    writeFileSync(join(memory, 'memory.limit_in_bytes'), String(limits.memoryBytes));
    const memsw = join(memory, 'memory.memsw.limit_in_bytes');
    if (existsSync(memsw)) writeFileSync(memsw, String(limits.memoryBytes));
  }
  const pids = dirs.get('pids');
  if (pids) writeFileSync(join(pids, 'pids.max'), String(limits.pids));
  const cpu = dirs.get('cpu');
  if (cpu && limits.cpus > 0) {
    const period = Number(readFileSync(join(cpu, 'cpu.cfs_period_us'), 'utf8')) || 100_000;
    writeFileSync(join(cpu, 'cpu.cfs_quota_us'), String(Math.max(1000, Math.round(limits.cpus * period))));
  }
}

/** Freezing first stops a fork bomb from outrunning the kill loop. */
async function killV1(freezer: string | undefined, listFile: string): Promise<void> {
  if (readPids(listFile).length === 0) return;
  if (freezer) {
    try {
      writeFileSync(join(freezer, 'freezer.state'), 'FROZEN');
      for (let i = 0; i < 50 && readFileSync(join(freezer, 'freezer.state'), 'utf8').trim() !== 'FROZEN'; i++)
        await sleep(5);
    } catch {
      // a cgroup that is already gone has nothing to freeze
    }
  }
  killPids(readPids(listFile));
  if (freezer) {
    try {
      writeFileSync(join(freezer, 'freezer.state'), 'THAWED');
    } catch {
      // gone
    }
  }
  for (let i = 0; i < 100 && readPids(listFile).length > 0; i++) {
    killPids(readPids(listFile));
    await sleep(10);
  }
}

function tryRmdir(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // a sandbox still alive keeps the instance directory busy; the next start's sweep removes it
  }
}

function sweepStaleInstances(parent: string): void {
  for (const name of readdirSync(parent)) {
    if (!isStaleInstance(name)) continue;
    const instance = join(parent, name);
    try {
      for (const child of readdirSync(instance, { withFileTypes: true })) {
        if (child.isDirectory()) rmdirSync(join(instance, child.name));
      }
      rmdirSync(instance);
    } catch {
      // still busy: a crashed server's sandbox that has not finished dying; next start retries
    }
  }
}
