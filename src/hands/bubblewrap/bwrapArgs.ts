import type { SandboxLimits } from '../limits.js';

/** Everything the sandbox sees. Nothing else of the host is mounted. */
export interface BwrapView {
  /** Read-only system directories and files, as bwrap arguments (see hostLayout.ts). */
  systemBinds: string[];
  /** The prepared /etc (allow-listed host entries and generated passwd, group, hosts), bound read-only. */
  etcDir: string;
  /** Host directory of the session's workspace, bound read-write at `workdir`. */
  workspace: string;
  workdir: string;
  home: string;
  env: Record<string, string>;
  limits: Pick<SandboxLimits, 'tmpBytes' | 'homeBytes'>;
  /** The egress hook: a host directory holding the proxy's Unix socket, bound read-only. */
  egressSocketDir?: string;
  /** The environment's package layer (src/hands/packages), bound read-only at PACKAGE_LAYER_MOUNT. */
  packageLayerDir?: string;
}

export const SANDBOX_UID = 1000;
export const SANDBOX_GID = 1000;
export const EGRESS_SOCKET_MOUNT = '/run/bosun';
export const PACKAGE_LAYER_MOUNT = '/opt/bosun/layer';

/**
 * The bwrap options (without the command) for one sandbox process. Every namespace is new
 * (user, pid, ipc, uts, net, cgroup, mount) and the network namespace holds only `lo`, so any
 * direct connection, including to the host's loopback services, fails; egress will go through a
 * Unix socket bound at /run/bosun. The root is an empty tmpfs made read-only once populated.
 */
export function bwrapArgs(view: BwrapView): string[] {
  // biome-ignore format: flags and their values read best in pairs
  const args = [
    '--unshare-all',
    // explicit, because --disable-userns requires it: no nested user namespaces inside
    '--unshare-user',
    '--disable-userns',
    '--uid', String(SANDBOX_UID),
    '--gid', String(SANDBOX_GID),
    '--cap-drop', 'ALL',
    '--die-with-parent',
    // a new session: no TIOCSTI into a terminal the server might share
    '--new-session',
    '--hostname', 'sandbox',
    '--clearenv',
  ];
  for (const [key, value] of Object.entries(view.env)) args.push('--setenv', key, value);
  args.push(...view.systemBinds);
  // biome-ignore format: flags and their values read best in pairs
  args.push(
    '--ro-bind', view.etcDir, '/etc',
    '--proc', '/proc',
    '--dev', '/dev',
    '--size', String(view.limits.tmpBytes), '--tmpfs', '/tmp',
    '--size', String(view.limits.tmpBytes), '--tmpfs', '/dev/shm',
    '--size', String(view.limits.homeBytes), '--tmpfs', view.home,
    '--bind', view.workspace, view.workdir,
  );
  if (view.egressSocketDir) args.push('--ro-bind', view.egressSocketDir, EGRESS_SOCKET_MOUNT);
  if (view.packageLayerDir) args.push('--ro-bind', view.packageLayerDir, PACKAGE_LAYER_MOUNT);
  args.push('--remount-ro', '/', '--remount-ro', '/dev', '--chdir', view.workdir);
  return args;
}

export const SANDBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function sandboxEnv(workdir: string, home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: SANDBOX_PATH,
    HOME: home,
    USER: 'agent',
    LOGNAME: 'agent',
    SHELL: '/bin/bash',
    LANG: 'C.UTF-8',
    TERM: 'dumb',
    TMPDIR: '/tmp',
    PWD: workdir,
    ...extra,
  };
}
