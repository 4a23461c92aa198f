import { spawnSync } from 'node:child_process';
import { existsSync, readlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { BWRAP_INSTALL_HINT } from './backend.js';
import { detectCgroups } from './bubblewrap/cgroups.js';
import { findExecutable, systemBinds } from './bubblewrap/hostLayout.js';
import { DEFAULT_IDENTITY, unreachableAncestor } from './bubblewrap/identity.js';

export interface IsolationCheck {
  name: string;
  /** false: tools cannot be sandboxed; 'degraded': sandboxed with weaker limits. */
  ok: boolean | 'degraded';
  detail: string;
  hint?: string;
}

const NAMESPACES = ['user', 'mnt', 'pid', 'net', 'ipc', 'uts', 'cgroup'] as const;

/** What `bosun doctor` reports about the bubblewrap backend on this host. */
export function probeIsolation(options: { dataDir: string }): IsolationCheck[] {
  const bwrap = findExecutable('bwrap');
  if (!bwrap) {
    return [
      {
        name: 'bubblewrap',
        ok: false,
        detail: 'bwrap not found: the server will refuse to run tools (bash, file tools) in sandboxes',
        hint: BWRAP_INSTALL_HINT,
      },
    ];
  }
  const version = spawnSync(bwrap, ['--version'], { encoding: 'utf8' }).stdout.trim();
  return [
    { name: 'bubblewrap', ok: true, detail: `${version} at ${bwrap}` },
    namespaces(bwrap),
    identity(options.dataDir),
    cgroups(),
    rlimits(),
  ];
}

function namespaces(bwrap: string): IsolationCheck {
  const probe = spawnSync(
    bwrap,
    [
      '--unshare-all',
      '--unshare-user',
      '--disable-userns',
      '--uid',
      '1000',
      '--gid',
      '1000',
      '--die-with-parent',
      ...systemBinds(),
      '--proc',
      '/proc',
      '--dev',
      '/dev',
      '--',
      'sh',
      '-c',
      `readlink ${NAMESPACES.map((ns) => `/proc/self/ns/${ns}`).join(' ')}; grep -c : /proc/net/dev`,
    ],
    { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' }, timeout: 10_000 },
  );
  if (probe.status !== 0) {
    return {
      name: 'namespaces',
      ok: false,
      detail: `bwrap cannot create namespaces: ${probe.stderr.trim() || probe.error?.message || `exit ${probe.status}`}`,
      hint: 'allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 / user.max_user_namespaces > 0)',
    };
  }
  const lines = probe.stdout.trim().split('\n');
  const fresh = NAMESPACES.filter((ns, i) => lines[i] !== hostNamespace(ns));
  const interfaces = Number(lines[NAMESPACES.length] ?? '0');
  const missing = NAMESPACES.filter((ns) => !fresh.includes(ns));
  return {
    name: 'namespaces',
    ok: missing.length === 0 && interfaces === 1,
    detail:
      `new ${fresh.join(', ')} namespaces; nested user namespaces disabled; ` +
      `network: ${interfaces === 1 ? 'loopback only; outside traffic goes only through the egress proxy socket' : `${interfaces} interfaces`}` +
      (missing.length ? `; NOT isolated: ${missing.join(', ')}` : ''),
  };
}

function hostNamespace(ns: string): string {
  try {
    return readlinkSync(`/proc/self/ns/${ns}`);
  } catch {
    return '';
  }
}

function identity(dataDir: string): IsolationCheck {
  if (process.getuid?.() !== 0) {
    return {
      name: 'sandbox user',
      ok: 'degraded',
      detail: "the server is not root: sandboxes run as the server's own uid (mapped to uid 1000 inside)",
      hint: 'run the server as root (it never runs tools as root) to give each session its own host uid',
    };
  }
  const probeUid = { uid: DEFAULT_IDENTITY.uidBase, gid: DEFAULT_IDENTITY.gid };
  // The data dir itself is made traversable by the server; its parents are the operator's.
  const outside = existsSync(dirname(dataDir)) ? unreachableAncestor(dataDir, probeUid) : null;
  return {
    name: 'sandbox user',
    ok: outside ? false : true,
    detail: `one host uid per session from ${DEFAULT_IDENTITY.uidBase}, group ${DEFAULT_IDENTITY.gid}; never root`,
    ...(outside
      ? { hint: `${outside} is not searchable by the sandbox uid: move the data dir or chmod o+x ${outside}` }
      : {}),
  };
}

function cgroups(): IsolationCheck {
  const detection = detectCgroups();
  if (!detection.support) {
    return {
      name: 'cgroups',
      ok: 'degraded',
      detail: `not usable (${detection.reason}); limits fall back to rlimits: RLIMIT_DATA for memory, RLIMIT_NPROC for processes, no CPU quota`,
      hint: 'run the server as root, or in a delegated cgroup v2 subtree',
    };
  }
  void detection.support.release();
  return {
    name: 'cgroups',
    ok: true,
    detail: `${detection.support.description}; enforcing ${detection.support.enforced.join(', ')}`,
  };
}

function rlimits(): IsolationCheck {
  const prlimit = findExecutable('prlimit');
  return {
    name: 'rlimits',
    ok: true,
    detail:
      'RLIMIT_FSIZE, RLIMIT_NOFILE and RLIMIT_CORE=0 in every sandbox (set by its first shell line); ' +
      `per-call wall time by killing the sandbox's PID namespace${prlimit ? `; prlimit at ${prlimit}` : ''}`,
  };
}
