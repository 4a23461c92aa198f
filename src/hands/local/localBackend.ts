import { spawn } from 'node:child_process';
import type { ManagedSandbox, ProvisionSpec, SandboxBackend } from '../backend.js';
import { bashPayload, formatBytes, rlimitScript } from '../limits.js';
import { layerEnv } from '../packages/packageLayer.js';
import { ProcessSandbox, type SandboxDriver } from '../processSandbox.js';

/**
 * Development only: tools run as the server's own user, directly on the host, in the session's
 * workspace directory. Nothing is isolated (the file tools still confine paths to the workspace,
 * bash does not), there is no network restriction and only rlimits apply. The server must opt in
 * explicitly, and says so loudly.
 */
export function createLocalBackend(): SandboxBackend {
  return {
    name: 'local',
    isolated: false,
    provision: async (spec) => provisionLocal(spec),
    close: async () => {},
  };
}

export const LOCAL_BACKEND_WARNING =
  'WARNING: the unsandboxed `local` hands backend is enabled. Tools run as the server user with full access to ' +
  "this machine, its network and the server's files. Use it for development only, never with untrusted agents.";

function provisionLocal(spec: ProvisionSpec): ManagedSandbox {
  const rlimits = rlimitScript(spec.limits, { nproc: false, memory: true });
  // Not the server's environment: its API keys must not reach tools even here.
  const path = process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin';
  const env = {
    PATH: path,
    HOME: spec.workspaceDir,
    LANG: 'C.UTF-8',
    TERM: 'dumb',
    PWD: spec.workspaceDir,
    ...(spec.packages ? layerEnv(spec.packages, spec.packages.dir, path) : {}),
  };
  const start = (argv: string[]) =>
    spawn(argv[0] ?? 'bash', argv.slice(1), { cwd: spec.workspaceDir, env, stdio: 'pipe', detached: true });
  const driver: SandboxDriver = {
    backend: 'local',
    workdir: spec.workspaceDir,
    spawnShell: () => ({
      proc: start(['bash', '--noprofile', '--norc']),
      preamble: rlimits,
      counters: () => ({ memory: 0, pids: 0 }),
      release: async () => {},
    }),
    spawnRun: (command) => start(bashPayload(rlimits, command)),
    kill: (proc) => {
      if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return;
      try {
        // the whole process group: foreground jobs die with the shell
        process.kill(-proc.pid, 'SIGKILL');
      } catch {
        proc.kill('SIGKILL');
      }
    },
    describeLimit: (hit) =>
      hit === 'memory'
        ? `the memory limit (${formatBytes(spec.limits.memoryBytes)})`
        : `the process limit (${spec.limits.pids})`,
  };
  return new ProcessSandbox(driver, spec.limits.idleShellMs);
}
