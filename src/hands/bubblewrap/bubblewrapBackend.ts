import { chmodSync, chownSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type ManagedSandbox,
  type ProvisionSpec,
  type SandboxBackend,
  SandboxUnavailableError,
  BWRAP_INSTALL_HINT,
} from '../backend.js';
import { formatBytes } from '../limits.js';
import { ProcessSandbox } from '../processSandbox.js';
import { layerEnv } from '../packages/packageLayer.js';
import { PACKAGE_LAYER_MOUNT, SANDBOX_PATH, sandboxEnv } from './bwrapArgs.js';
import { type CgroupDetection, detectCgroups } from './cgroups.js';
import { findExecutable, systemBinds } from './hostLayout.js';
import {
  DEFAULT_IDENTITY,
  grantTraverse,
  hostIdentity,
  type IdentityOptions,
  ownWorkspace,
  unreachableAncestor,
} from './identity.js';
import { bubblewrapDriver } from './launcher.js';
import { LauncherPool } from './launcherPool.js';
import { prepareSandboxEtc } from './sandboxEtc.js';

export interface BubblewrapOptions {
  /** `<dataDir>/hands`: session directories and the generated /etc files live here. */
  handsRoot: string;
  dataDir: string;
  identity?: Partial<IdentityOptions>;
  /** Extra host paths bound read-only at the same place (toolchains outside /usr, …). */
  extraReadOnlyPaths?: string[];
  /** A delegated cgroup (v2) to create sandbox cgroups in, instead of the server's own. */
  cgroupRoot?: string;
  /** Skips cgroups even when available (tests of the rlimit fallback). */
  disableCgroups?: boolean;
}

export const WORKDIR = '/workspace';
export const HOME = '/home/agent';

interface Setup {
  pool: LauncherPool | null;
  bwrap: string;
  setpriv: string | null;
  cgroups: CgroupDetection;
  etcDir: () => string;
  binds: string[];
  identityOptions: IdentityOptions;
}

/** The default Linux backend: one bubblewrap sandbox per session (see docs/hands.md). */
export function createBubblewrapBackend(options: BubblewrapOptions): SandboxBackend {
  let setup: Setup | null = null;
  const ensureSetup = (): Setup => (setup ??= prepare(options));
  return {
    name: 'bubblewrap',
    isolated: true,
    provision: async (spec) => provision(ensureSetup(), spec),
    close: async () => {
      await setup?.pool?.close();
      if (setup?.cgroups.support) await setup.cgroups.support.release();
    },
  };
}

function prepare(options: BubblewrapOptions): Setup {
  const bwrap = findExecutable('bwrap');
  if (!bwrap)
    throw new SandboxUnavailableError(
      'the bubblewrap sandbox (bwrap) is not installed on this server',
      BWRAP_INSTALL_HINT,
    );
  const identityOptions = { ...DEFAULT_IDENTITY, ...options.identity };
  const root = process.getuid?.() === 0;
  const setpriv = findExecutable('setpriv');
  let cgroups: CgroupDetection = options.disableCgroups
    ? { support: null, reason: 'disabled by configuration' }
    : detectCgroups(options.cgroupRoot ? { cgroupRoot: options.cgroupRoot } : {});
  if (cgroups.support?.joinNeedsRoot && root && !setpriv) {
    cgroups = { support: null, reason: 'cgroup v2 needs setpriv (util-linux) to drop root after joining' };
  }
  if (root) {
    // bwrap resolves bind sources as the sandbox's uid: the data dir (created 0700) must be traversable.
    grantTraverse(options.dataDir, identityOptions.gid);
    grantTraverse(options.handsRoot, identityOptions.gid);
  }
  mkdirSync(options.handsRoot, { recursive: true });
  const etcDir = () => prepareSandboxEtc(options.handsRoot, root ? identityOptions.gid : null);
  etcDir();
  return {
    pool: null,
    bwrap,
    setpriv,
    cgroups,
    etcDir,
    binds: systemBinds(options.extraReadOnlyPaths),
    identityOptions,
  };
}

function provision(setup: Setup, spec: ProvisionSpec): Promise<ManagedSandbox> {
  const identity = hostIdentity(spec.sessionId, setup.identityOptions);
  const sessionDir = dirname(spec.workspaceDir);
  if (identity) {
    chownSync(sessionDir, 0, identity.gid);
    chmodSync(sessionDir, 0o710);
    ownWorkspace(spec.workspaceDir, identity);
  }
  chmodSync(spec.workspaceDir, 0o700);
  const etcDir = setup.etcDir();
  for (const path of [spec.workspaceDir, etcDir, ...(spec.packages ? [spec.packages.dir] : [])]) {
    const blocked = unreachableAncestor(path, identity);
    if (blocked) {
      throw new SandboxUnavailableError(
        'the sandbox cannot be created: its workspace is not reachable by the sandbox user',
        `${blocked} is not searchable by uid ${identity?.uid}; choose a data dir whose parent directories are ` +
          `searchable (mode o+x), e.g. under /var/lib, or run \`chmod o+x ${blocked}\``,
      );
    }
  }
  const cgroups = setup.cgroups.support;
  if (!setup.pool && cgroups && identity && setup.setpriv) {
    setup.pool = new LauncherPool(cgroups, spec.limits, { bwrap: setup.bwrap, setpriv: setup.setpriv });
  }
  setup.pool?.fill();
  const driver = bubblewrapDriver({
    bwrap: setup.bwrap,
    setpriv: setup.setpriv,
    identity,
    cgroups,
    pool: setup.pool,
    limits: spec.limits,
    egressBridge: spec.egress?.bridge ?? null,
    egressReady: spec.egress?.ready ?? null,
    view: {
      systemBinds: setup.binds,
      etcDir,
      workspace: spec.workspaceDir,
      workdir: WORKDIR,
      home: HOME,
      env: sandboxEnv(WORKDIR, HOME, {
        ...(spec.packages ? layerEnv(spec.packages, PACKAGE_LAYER_MOUNT, SANDBOX_PATH) : {}),
        ...spec.egress?.env,
      }),
      limits: spec.limits,
      ...(spec.egress ? { egressSocketDir: spec.egress.socketDir } : {}),
      ...(spec.packages ? { packageLayerDir: spec.packages.dir } : {}),
    },
    describeLimit: (hit) =>
      hit === 'memory'
        ? `the sandbox's memory limit (${formatBytes(spec.limits.memoryBytes)})`
        : `the sandbox's process limit (${spec.limits.pids})`,
  });
  return Promise.resolve(new ProcessSandbox(driver, spec.limits.idleShellMs));
}
