import { type ChildProcess, spawn } from 'node:child_process';
import type { LimitHit } from '../../core/hands.js';
import { rlimitScript, type SandboxLimits } from '../limits.js';
import type { SandboxDriver } from '../processSandbox.js';
import { type BwrapView, bwrapArgs } from './bwrapArgs.js';
import type { SandboxCgroup } from './cgroups.js';
import type { HostIdentity } from './identity.js';

export interface LaunchContext {
  bwrap: string;
  setpriv: string | null;
  identity: HostIdentity;
  cgroup: SandboxCgroup | null;
  joinNeedsRoot: boolean;
  limits: SandboxLimits;
  view: BwrapView;
  egressBridge: string | null;
  describeLimit(hit: LimitHit): string;
}

/** The environment of the launcher and of bwrap itself: /proc/1/environ inside shows exactly this. */
const LAUNCH_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };
const ZERO = { memory: 0, pids: 0 };

/**
 * Starts processes in one session's sandbox. With a cgroup, a one-line `sh` joins it and then
 * execs bwrap, so every descendant is born inside (Node cannot place a child in a cgroup before
 * exec). bwrap's options go through a pipe (`--args 3`) so /proc/1/cmdline inside shows no host
 * paths. The process starts as the session's host uid; on cgroup v2 root joins first and setpriv
 * drops to that uid.
 */
export function bubblewrapDriver(ctx: LaunchContext): SandboxDriver {
  const rlimits = rlimitScript(ctx.limits, {
    nproc: !ctx.cgroup && ctx.identity !== null,
    memory: !ctx.cgroup,
  });
  return {
    backend: 'bubblewrap',
    workdir: ctx.view.workdir,
    spawnShell: () => {
      const bridge = ctx.egressBridge ? `\n( ${ctx.egressBridge} ) </dev/null >/dev/null 2>&1 &` : '';
      return {
        proc: launch(ctx, ['bash', '--noprofile', '--norc']),
        preamble: `${rlimits}${bridge}\ncd ${shellQuote(ctx.view.workdir)}`,
      };
    },
    spawnRun: (argv) => launch(ctx, ['bash', '--noprofile', '--norc', '-c', `${rlimits}\nexec "$@"`, 'bosun-run', ...argv]),
    kill: (proc) => {
      // The outer bwrap; --die-with-parent takes its PID namespace, and so every process in it, along.
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
    counters: () => ctx.cgroup?.counters() ?? ZERO,
    describeLimit: ctx.describeLimit,
    release: async () => {
      if (!ctx.cgroup) return;
      await ctx.cgroup.killAll();
      await ctx.cgroup.remove();
    },
  };
}

function launch(ctx: LaunchContext, payload: string[]): ChildProcess {
  const bwrap = [ctx.bwrap, '--args', '3', '--', ...payload];
  let command: string;
  let argv: string[];
  const asRoot = ctx.cgroup !== null && ctx.joinNeedsRoot && ctx.identity !== null;
  if (ctx.cgroup) {
    const join = ctx.cgroup.procsFiles.map((file) => `echo $$ > ${shellQuote(file)}`).join(' && ');
    const drop =
      asRoot && ctx.identity && ctx.setpriv
        ? [ctx.setpriv, `--reuid=${ctx.identity.uid}`, `--regid=${ctx.identity.gid}`, '--clear-groups', '--']
        : [];
    command = '/bin/sh';
    argv = ['-c', `${join} && exec "$@"`, 'bosun-launch', ...drop, ...bwrap];
  } else {
    [command = ctx.bwrap, ...argv] = bwrap;
  }
  const proc = spawn(command, argv, {
    env: LAUNCH_ENV,
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    ...(ctx.identity && !asRoot ? { uid: ctx.identity.uid, gid: ctx.identity.gid } : {}),
  });
  const argsPipe = proc.stdio[3] as NodeJS.WritableStream | null;
  argsPipe?.on('error', () => {});
  argsPipe?.end(bwrapArgs(ctx.view).map((arg) => `${arg}\0`).join(''));
  return proc;
}

export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
