/** Where this process sits in each cgroup hierarchy, read from /proc (pure parsing, no I/O). */
export interface CgroupMount {
  /** 1 for a v1 hierarchy, 2 for the unified one. */
  version: 1 | 2;
  mountPoint: string;
  /** The hierarchy path mounted at `mountPoint` (not `/` inside containers). */
  mountRoot: string;
  /** v1: the controllers bound to this hierarchy; v2: empty (read cgroup.controllers). */
  controllers: string[];
}

/** Parses /proc/self/mountinfo into the cgroup mounts it lists. */
export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const fields = left.split(' ');
    const [fsType, , superOptions = ''] = right.split(' ');
    const mountRoot = unescapeMountPath(fields[3] ?? '');
    const mountPoint = unescapeMountPath(fields[4] ?? '');
    if (fsType === 'cgroup2') mounts.push({ version: 2, mountPoint, mountRoot, controllers: [] });
    if (fsType === 'cgroup') {
      const controllers = superOptions.split(',').filter((opt) => KNOWN_V1_CONTROLLERS.has(opt));
      if (controllers.length > 0) mounts.push({ version: 1, mountPoint, mountRoot, controllers });
    }
  }
  return mounts;
}

const KNOWN_V1_CONTROLLERS = new Set(['memory', 'pids', 'cpu', 'cpuacct', 'cpuset', 'freezer', 'blkio', 'devices']);

/** Parses /proc/self/cgroup: controller name (or `''` for v2) → path in that hierarchy. */
export function parseOwnCgroups(procSelfCgroup: string): Map<string, string> {
  const own = new Map<string, string>();
  for (const line of procSelfCgroup.split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, controllers = '', path = '/'] = match;
    if (controllers === '') own.set('', path);
    for (const controller of controllers.split(',')) if (controller) own.set(controller, path);
  }
  return own;
}

/** The directory of `cgroupPath` under a mount whose root may itself be a sub-path. */
export function cgroupDir(mount: CgroupMount, cgroupPath: string): string {
  const relative =
    mount.mountRoot !== '/' && cgroupPath.startsWith(mount.mountRoot)
      ? cgroupPath.slice(mount.mountRoot.length)
      : cgroupPath;
  const trimmed = relative.replace(/\/+$/, '');
  return `${mount.mountPoint}${trimmed === '' || trimmed.startsWith('/') ? trimmed : `/${trimmed}`}`;
}

function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
