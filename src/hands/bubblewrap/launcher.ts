import { type ChildProcess, spawn } from 'node:child_process';
import type { LimitHit } from '../../core/hands.js';
import { bashPayload, rlimitScript, type SandboxLimits } from '../limits.js';
import type { SandboxDriver, ShellHandle } from '../processSandbox.js';
import { type BwrapView, bwrapArgs } from './bwrapArgs.js';
import type { CgroupSupport, SandboxCgroup } from './cgroups.js';
import type { HostIdentity } from './identity.js';
import { LAUNCH_ENV, shellQuote } from './launchEnv.js';
import type { LauncherPool } from './launcherPool.js';

export interface LaunchContext {
  bwrap: string;
  setpriv: string | null;
  identity: HostIdentity;
  cgroups: CgroupSupport | null;
  pool: LauncherPool | null;
  limits: SandboxLimits;
  view: BwrapView;
  egressBridge: string | null;
  /** A shell line that returns once the bridge listens, so the first command can use it. */
  egressReady: string | null;
  describeLimit: (hit: LimitHit) => string;
}

const ZERO = { memory: 0, pids: 0 };

/**
 * Starts processes in one session's sandbox, always as the session's host uid (never root).
 * The persistent shell runs in its own cgroup, joined before bwrap execs so every descendant is
 * born inside (Node cannot place a child in a cgroup before exec): a parked launcher from the
 * pool when there is one, otherwise a one-line `sh` that joins and then execs bwrap. One-shot
 * processes (the file tools' fixed coreutils scripts) skip the cgroup and run under rlimits. bwrap's
 * options go through a pipe (`--args 3`), so /proc/1/cmdline inside shows no host paths.
 */
export function bubblewrapDriver(ctx: LaunchContext): SandboxDriver {
  const shellLimits = rlimitScript(ctx.limits, { nproc: !ctx.cgroups && ctx.identity !== null, memory: !ctx.cgroups });
  const runLimits = rlimitScript(ctx.limits, { nproc: false, memory: true });
  return {
    backend: 'bubblewrap',
    workdir: ctx.view.workdir,
    spawnShell: () => {
      const bridge = ctx.egressBridge
        ? `\n( ${ctx.egressBridge} ) </dev/null >/dev/null 2>&1 &${ctx.egressReady ? `\n{ ${ctx.egressReady}; } </dev/null >/dev/null 2>&1` : ''}`
        : '';
      const preamble = `${shellLimits}${bridge}\ncd ${shellQuote(ctx.view.workdir)}`;
      return { ...startShell(ctx), preamble };
    },
    spawnRun: (command) => startRun(ctx, bashPayload(runLimits, command)),
    kill: (proc) => {
      // The outer bwrap; --die-with-parent takes its PID namespace, and so every process in it, along.
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
    describeLimit: ctx.describeLimit,
  };
}

function startShell(ctx: LaunchContext): Omit<ShellHandle, 'preamble'> {
  const payload = ['bash', '--noprofile', '--norc'];
  const parked = ctx.identity ? ctx.pool?.claim(ctx.limits) : null;
  let proc: ChildProcess;
  let cgroup: SandboxCgroup | null;
  if (parked && ctx.identity) {
    ({ proc, cgroup } = parked);
    proc.stdin?.write(`${ctx.identity.uid} ${ctx.identity.gid}\n`);
  } else {
    cgroup =
      ctx.cgroups?.create(
        `s-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
        ctx.limits,
        ctx.cgroups.joinNeedsRoot ? null : ctx.identity,
      ) ?? null;
    proc = cgroup ? spawnJoined(ctx, cgroup, payload) : spawnDirect(ctx, payload);
  }
  sendArgs(proc, ctx.view);
  return {
    proc,
    counters: () => cgroup?.counters() ?? ZERO,
    release: async () => {
      if (!cgroup) return;
      await cgroup.killAll();
      await cgroup.remove();
    },
  };
}

function startRun(ctx: LaunchContext, payload: string[]): ChildProcess {
  const proc = spawnDirect(ctx, payload);
  sendArgs(proc, ctx.view);
  return proc;
}

function spawnDirect(ctx: LaunchContext, payload: string[]): ChildProcess {
  return spawn(ctx.bwrap, ['--args', '3', '--', ...payload], {
    env: LAUNCH_ENV,
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    ...(ctx.identity ? { uid: ctx.identity.uid, gid: ctx.identity.gid } : {}),
  });
}

/** v1: the session's uid owns cgroup.procs and joins itself; v2: root joins, then setpriv drops. */
function spawnJoined(ctx: LaunchContext, cgroup: SandboxCgroup, payload: string[]): ChildProcess {
  const join = cgroup.procsFiles.map((file) => `echo $$ > ${shellQuote(file)}`).join(' && ');
  const asRoot = ctx.cgroups?.joinNeedsRoot === true && ctx.identity !== null && ctx.setpriv !== null;
  const drop =
    asRoot && ctx.identity && ctx.setpriv
      ? [ctx.setpriv, `--reuid=${ctx.identity.uid}`, `--regid=${ctx.identity.gid}`, '--clear-groups', '--']
      : [];
  return spawn(
    '/bin/sh',
    ['-c', `${join} && exec "$@"`, 'bosun-launch', ...drop, ctx.bwrap, '--args', '3', '--', ...payload],
    {
      env: LAUNCH_ENV,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      ...(ctx.identity && !asRoot ? { uid: ctx.identity.uid, gid: ctx.identity.gid } : {}),
    },
  );
}

function sendArgs(proc: ChildProcess, view: BwrapView): void {
  const argsPipe = proc.stdio[3] as NodeJS.WritableStream | null;
  argsPipe?.on('error', () => {});
  argsPipe?.end(
    bwrapArgs(view)
      .map((arg) => `${arg}\0`)
      .join(''),
  );
}
