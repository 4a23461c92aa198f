import { randomBytes } from 'node:crypto';
import { chownSync, chmodSync, lchownSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PACKAGE_LAYER_MOUNT } from '../bubblewrap/bwrapArgs.js';
import { findExecutable } from '../bubblewrap/hostLayout.js';
import { installApt } from './aptInstaller.js';
import { BuildLog } from './buildLog.js';
import type { InstallContext, Installer } from './installContext.js';
import { isolatedBuildArgv } from './isolatedBuild.js';
import { installNpm } from './npmInstaller.js';
import { type PackageLayer, scanLayerPaths } from './packageLayer.js';
import { PackageInstallError } from './packageInstallError.js';
import { PACKAGE_MANAGERS, type PackageManager, type PackageSpec } from './packageSpec.js';
import { runStep } from './runStep.js';
import { installCargo, installGem, installGo, installPip } from './untestedInstallers.js';

const INSTALLERS: Record<PackageManager, Installer> = {
  apt: installApt,
  npm: installNpm,
  pip: installPip,
  gem: installGem,
  cargo: installCargo,
  go: installGo,
};

export const MANIFEST = 'layer.json';
export const INSTALL_LOG = 'install.log';

/** Variables a package manager on the host may need to reach its registry; nothing else of the server's. */
const PASSED_ENV = [
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'NODE_EXTRA_CA_CERTS',
  'REQUESTS_CA_BUNDLE',
  'PIP_INDEX_URL',
  'GOPROXY',
];

export interface BuildOptions {
  handsRoot: string;
  layersRoot: string;
  /** The host user installs run as; null when the server is not root (they run as the server's user). */
  builder: { uid: number; gid: number } | null;
  stepTimeoutMs: number;
  exclusive<T>(key: string, task: () => Promise<T>): Promise<T>;
}

/**
 * Builds the layer for `spec` in a staging directory and renames it to `<layersRoot>/<hash>` once
 * every installer succeeded, so a crash never leaves a half-built layer under the final name. A
 * failure keeps its log as `<hash>.failed.log` and throws PackageInstallError with its tail.
 */
export async function buildLayer(spec: PackageSpec, hash: string, options: BuildOptions): Promise<PackageLayer> {
  const { layersRoot, builder } = options;
  const final = join(layersRoot, hash);
  sweepAbandoned(layersRoot, hash);
  const staging = join(layersRoot, `${hash}.building-${process.pid}-${randomBytes(4).toString('hex')}`);
  const home = join(layersRoot, '.builder');
  const mkdir = (path: string) => {
    const first = mkdirSync(path, { recursive: true, mode: 0o755 });
    for (let dir = path; first && builder; dir = dirname(dir)) {
      chownSync(dir, builder.uid, builder.gid);
      if (dir === first || dir === dirname(dir)) break;
    }
    return path;
  };
  chmodSync(mkdir(home), 0o700);
  mkdir(staging);
  // Beside the staging directory, not in it: install scripts can write there, but not to the log.
  const logPath = `${staging}.log`;
  const log = new BuildLog(logPath);
  const path = `${dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
  const env: Record<string, string> = { PATH: path, HOME: home, LANG: 'C.UTF-8' };
  for (const name of PASSED_ENV) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  const step = { cwd: staging, user: builder, timeoutMs: options.stepTimeoutMs, log };
  const groupGid = builder ? builder.gid : null;
  const ctx: InstallContext = {
    staging,
    home,
    log,
    which: (name) => findExecutable(name, path),
    mkdir,
    run: (label, argv, extra) => runStep(argv, { ...step, label, env: { ...env, ...extra } }),
    runIsolated: findExecutable('bwrap')
      ? (label, argv, extra) => {
          const isolated = isolatedBuildArgv(argv, { handsRoot: options.handsRoot, groupGid, staging, env: extra });
          if (!isolated) throw new PackageInstallError('bubblewrap disappeared during the build');
          const shown = `${argv.join(' ')}    # in a sandbox without network`;
          return runStep(isolated, { ...step, label, shown, env: { PATH: path } });
        }
      : null,
    exclusive: (key, task) => options.exclusive(key, task),
  };
  try {
    for (const manager of PACKAGE_MANAGERS) {
      if (spec[manager].length === 0) continue;
      log.line(`== ${manager}: ${spec[manager].join(' ')}`);
      await INSTALLERS[manager](spec[manager], ctx);
    }
    const layer: PackageLayer = { hash, dir: final, paths: scanLayerPaths(staging) };
    writeFileSync(
      join(staging, MANIFEST),
      `${JSON.stringify({ hash, spec, paths: layer.paths, builtAt: new Date().toISOString() }, null, 2)}\n`,
      { mode: 0o644 },
    );
    log.line('== done');
    log.close();
    if (builder) seal(staging);
    renameSync(logPath, join(staging, INSTALL_LOG));
    try {
      renameSync(staging, final);
    } catch {
      // another server process sharing the data dir finished the same layer first
      rmSync(staging, { recursive: true, force: true });
    }
    return layer;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log.line(`== failed: ${reason}`);
    log.close();
    renameSync(logPath, join(layersRoot, `${hash}.failed.log`));
    rmSync(staging, { recursive: true, force: true });
    const scrub = (text: string) =>
      text.replaceAll(staging, PACKAGE_LAYER_MOUNT).replaceAll(home, '~').replaceAll(layersRoot, '<layers>');
    throw new PackageInstallError(
      `this environment's packages could not be installed (${scrub(reason)}), so no tool can run in it until ` +
        `its \`config.packages\` is corrected or the server can reach the registry. The end of the install log:\n` +
        scrub(log.tail()),
    );
  }
}

/** The builder (which runs the next build's steps) must not be able to change a finished layer. */
function seal(dir: string): void {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  lchownSync(dir, uid, gid);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) seal(path);
    else lchownSync(path, uid, gid);
  }
}

/** Staging directories of builds whose process is gone (a crash or a kill mid-build). */
function sweepAbandoned(layersRoot: string, hash: string): void {
  for (const name of readdirSync(layersRoot)) {
    const match = new RegExp(`^${hash}\\.building-(\\d+)-`).exec(name);
    if (!match || Number(match[1]) === process.pid || alive(Number(match[1]))) continue;
    rmSync(join(layersRoot, name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
