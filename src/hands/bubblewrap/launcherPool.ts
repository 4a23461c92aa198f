import { type ChildProcess, spawn } from 'node:child_process';
import type { SandboxLimits } from '../limits.js';
import type { CgroupSupport, SandboxCgroup } from './cgroups.js';
import { LAUNCH_ENV, shellQuote } from './launchEnv.js';

/** A root `sh` already inside a fresh cgroup, blocked on reading the uid it should become. */
export interface ParkedLauncher {
  proc: ChildProcess;
  cgroup: SandboxCgroup;
}

/**
 * Moving a process into a cgroup costs an RCU grace period in the kernel (measured 2.5–9 ms on
 * the project's 2-core VMs, more under load), a large share of a sandbox's cold start. So a few
 * launchers are parked ahead of time, each already inside its own new cgroup: starting a shell
 * then only tells one which uid to drop to (setpriv) and hands bwrap its options on fd 3. The
 * pool refills in the background; when it is empty, callers take the direct path.
 */
/** Unique across every pool of this process: they share the process's cgroup instance directory. */
let serial = 0;

export class LauncherPool {
  #parked: ParkedLauncher[] = [];
  #closed = false;

  constructor(
    private readonly cgroups: CgroupSupport,
    private readonly limits: SandboxLimits,
    private readonly tools: { bwrap: string; setpriv: string },
    private readonly size = 2,
  ) {}

  /** Fills the pool; cheap to call again. */
  fill(): void {
    while (!this.#closed && this.#parked.length < this.size) {
      try {
        this.#parked.push(this.#park());
      } catch {
        return; // the cgroup could not be made: the direct path will report why
      }
    }
  }

  /** A launcher for `limits`, or null (empty pool, or limits other than the pool's). */
  claim(limits: SandboxLimits): ParkedLauncher | null {
    if (
      limits.memoryBytes !== this.limits.memoryBytes ||
      limits.pids !== this.limits.pids ||
      limits.cpus !== this.limits.cpus
    ) {
      return null;
    }
    let launcher: ParkedLauncher | undefined;
    while ((launcher = this.#parked.shift())) {
      if (launcher.proc.exitCode === null && launcher.proc.signalCode === null) break;
      void launcher.cgroup.remove().catch(() => {});
    }
    setImmediate(() => this.fill());
    if (!launcher) return null;
    launcher.proc.ref();
    for (const stream of launcher.proc.stdio) (stream as { ref?: () => void } | null)?.ref?.();
    return launcher;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const parked = this.#parked.splice(0);
    for (const { proc } of parked) proc.kill('SIGKILL');
    await Promise.all(
      parked.map(({ cgroup }) =>
        cgroup
          .killAll()
          .then(() => cgroup.remove())
          .catch(() => {}),
      ),
    );
  }

  #park(): ParkedLauncher {
    const cgroup = this.cgroups.create(`p-${++serial}`, this.limits, null);
    const join = cgroup.procsFiles.map((file) => `echo $$ > ${shellQuote(file)}`).join(' && ');
    const script = `${join} || exit 125\nread -r uid gid || exit 125\nexec ${shellQuote(this.tools.setpriv)} --reuid="$uid" --regid="$gid" --clear-groups -- "$@"`;
    const proc = spawn(
      '/bin/sh',
      ['-c', script, 'bosun-launch', this.tools.bwrap, '--args', '3', '--', 'bash', '--noprofile', '--norc'],
      {
        env: LAUNCH_ENV,
        stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      },
    );
    proc.on('error', () => {});
    proc.unref();
    // parked launchers must not keep an idle server (or a test run) alive
    for (const stream of proc.stdio) (stream as { unref?: () => void } | null)?.unref?.();
    return { proc, cgroup };
  }
}
