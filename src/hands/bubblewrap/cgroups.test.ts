import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveLimits } from '../limits.js';
import { readPids } from './cgroupFiles.js';
import { detectCgroups } from './cgroups.js';

/** The real cgroup driver of this host (v1-hybrid on the project's CI kind, as root). */
describe('cgroups on this host', () => {
  it('creates a limited cgroup, joins a process, kills everything in it and removes it without a trace', async () => {
    const detection = detectCgroups();
    if (process.getuid?.() !== 0) {
      expect(detection.reason).toBeTruthy();
      return;
    }
    const support = detection.support;
    expect(support, detection.reason).not.toBeNull();
    if (!support) return;
    expect(support.enforced).toEqual(expect.arrayContaining(['memory', 'pids']));
    const cgroup = support.create(
      `test-${process.pid}`,
      resolveLimits({ memoryBytes: 64 * 1024 * 1024, pids: 16 }),
      null,
    );
    const dirs = cgroup.procsFiles.map((file) => dirname(file));
    const pidsDir = dirs.find((dir) => existsSync(join(dir, 'pids.max')));
    expect(readFileSync(join(pidsDir as string, 'pids.max'), 'utf8').trim()).toBe('16');

    const join_ = cgroup.procsFiles.map((file) => `echo $$ > ${file}`).join(' && ');
    const child = spawn('/bin/sh', ['-c', `${join_} && (sleep 60 &) && exec sleep 60`], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 200));
    const procs = cgroup.procsFiles[0] as string;
    expect(readPids(procs).length).toBe(2);
    expect(cgroup.counters()).toEqual({ memory: 0, pids: 0 });

    await cgroup.killAll();
    expect(readPids(procs)).toEqual([]);
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
    await cgroup.remove();
    for (const dir of dirs) expect(existsSync(dir)).toBe(false);
    await support.release();
    for (const dir of dirs) expect(existsSync(dirname(dir))).toBe(false);
  });
});
