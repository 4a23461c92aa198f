import { readFileSync } from 'node:fs';
import type { LimitHit } from '../../core/hands.js';
import type { SandboxLimits } from '../limits.js';
import { parseCgroupMounts, parseOwnCgroups } from './cgroupMounts.js';
import { detectCgroupV1 } from './cgroupV1.js';
import { detectCgroupV2 } from './cgroupV2.js';

/** One sandbox's cgroup: every process of the sandbox joins it before bwrap runs. */
export interface SandboxCgroup {
  /** The `cgroup.procs` files a process writes its own pid to, one per hierarchy. */
  readonly procsFiles: string[];
  /** How many times each limit has fired so far (compare before and after a call). */
  counters(): Record<LimitHit, number>;
  /** SIGKILLs every process in the cgroup, including ones that escaped their parent. */
  killAll(): Promise<void>;
  remove(): Promise<void>;
}

export interface CgroupSupport {
  version: 1 | 2;
  /** The limits this driver enforces, of memory, pids and cpu. */
  enforced: Array<'memory' | 'pids' | 'cpu'>;
  /** v2 only lets a process move between cgroups it can write the common ancestor of: root must join. */
  joinNeedsRoot: boolean;
  /** e.g. "cgroup v1: memory, pids, cpu, freezer under /sys/fs/cgroup/memory/bosun/i123". */
  description: string;
  create(name: string, limits: SandboxLimits, owner: { uid: number; gid: number } | null): SandboxCgroup;
  /** Removes this server's (empty) instance directories. */
  release(): Promise<void>;
}

export type CgroupDetection = { support: CgroupSupport; reason?: undefined } | { support: null; reason: string };

/**
 * Finds a cgroup hierarchy this process may create sandbox cgroups in, below its own cgroup (so
 * sandboxes stay inside whatever limits the server itself runs under). v2 is preferred when its
 * controllers are usable; a hybrid host (controllers bound to v1) uses v1.
 */
export function detectCgroups(options: { cgroupRoot?: string } = {}): CgroupDetection {
  let mountinfo: string;
  let own: string;
  try {
    mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
    own = readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    return { support: null, reason: 'no /proc/self/cgroup (not Linux?)' };
  }
  const mounts = parseCgroupMounts(mountinfo);
  const ownPaths = parseOwnCgroups(own);
  const v2 = detectCgroupV2(mounts, ownPaths, options.cgroupRoot);
  if (v2.support) return v2;
  const v1 = detectCgroupV1(mounts, ownPaths);
  if (v1.support) return v1;
  return { support: null, reason: `${v2.reason}; ${v1.reason}` };
}
