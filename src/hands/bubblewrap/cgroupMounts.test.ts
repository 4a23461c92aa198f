import { describe, expect, it } from 'vitest';
import { cgroupDir, parseCgroupMounts, parseOwnCgroups } from './cgroupMounts.js';

const MOUNTINFO = `25 30 0:22 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755
26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw
27 25 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct
28 25 0:25 /docker/abc /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory
29 25 0:26 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd
30 1 8:1 / / rw - ext4 /dev/vda rw`;

describe('cgroup mount parsing', () => {
  it('finds v1 hierarchies with their controllers and the v2 mount', () => {
    expect(parseCgroupMounts(MOUNTINFO)).toEqual([
      { version: 2, mountPoint: '/sys/fs/cgroup/unified', mountRoot: '/', controllers: [] },
      { version: 1, mountPoint: '/sys/fs/cgroup/cpu,cpuacct', mountRoot: '/', controllers: ['cpu', 'cpuacct'] },
      { version: 1, mountPoint: '/sys/fs/cgroup/memory', mountRoot: '/docker/abc', controllers: ['memory'] },
    ]);
  });

  it('reads the own cgroup per controller, and resolves it under a mount whose root is a sub-path', () => {
    const own = parseOwnCgroups('12:memory:/docker/abc/svc\n4:cpu,cpuacct:/\n0::/user.slice\n');
    expect(own.get('memory')).toBe('/docker/abc/svc');
    expect(own.get('cpuacct')).toBe('/');
    expect(own.get('')).toBe('/user.slice');
    const [, , memory] = parseCgroupMounts(MOUNTINFO);
    expect(cgroupDir(memory!, '/docker/abc/svc')).toBe('/sys/fs/cgroup/memory/svc');
    expect(cgroupDir({ version: 1, mountPoint: '/m', mountRoot: '/', controllers: [] }, '/')).toBe('/m');
  });
});
