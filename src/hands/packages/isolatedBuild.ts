import { bashPayload, DEFAULT_LIMITS, rlimitScript } from '../limits.js';
import { bwrapArgs, PACKAGE_LAYER_MOUNT, sandboxEnv } from '../bubblewrap/bwrapArgs.js';
import { findExecutable, systemBinds } from '../bubblewrap/hostLayout.js';
import { prepareSandboxEtc } from '../bubblewrap/sandboxEtc.js';

const HOME = '/home/agent';
const MiB = 1024 * 1024;

/**
 * The command line that runs `argv` in a sandbox like a session's (every namespace new, no
 * network, the host's /usr read-only, the prepared /etc), with the layer being built writable at
 * PACKAGE_LAYER_MOUNT, so paths baked in by install scripts are the ones sessions see. Run it as
 * the unprivileged builder, never root. Null when bubblewrap is not installed.
 */
export function isolatedBuildArgv(
  argv: string[],
  options: { handsRoot: string; groupGid: number | null; staging: string; env?: Record<string, string> },
): string[] | null {
  const bwrap = findExecutable('bwrap');
  if (!bwrap) return null;
  const limits = { ...DEFAULT_LIMITS, tmpBytes: 1024 * MiB, homeBytes: 512 * MiB };
  const args = bwrapArgs({
    systemBinds: systemBinds(),
    etcDir: prepareSandboxEtc(options.handsRoot, options.groupGid),
    workspace: options.staging,
    workdir: PACKAGE_LAYER_MOUNT,
    home: HOME,
    env: sandboxEnv(PACKAGE_LAYER_MOUNT, HOME, options.env),
    limits,
  });
  const rlimits = rlimitScript(limits, { nproc: false, memory: true });
  return [bwrap, ...args, '--', ...bashPayload(rlimits, { argv, timeoutMs: 0 })];
}
