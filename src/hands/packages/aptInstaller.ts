import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { InstallContext, Installer } from './installContext.js';
import { StepFailedError } from './runStep.js';

const PRIVATE_LISTS_MAX_AGE_MS = 24 * 3600_000;

/**
 * apt, without root in the sandbox and with /usr read-only: apt resolves the packages and the
 * dependencies the host lacks against the host's dpkg status and downloads them into a private
 * directory, and each .deb is unpacked (`dpkg-deb -x`, no maintainer scripts) into
 * `apt/root`, whose bin and lib directories the sandbox gets on PATH and LD_LIBRARY_PATH.
 */
export const installApt: Installer = async (specs, ctx) => {
  const aptGet = ctx.which('apt-get');
  const dpkgDeb = ctx.which('dpkg-deb');
  if (!aptGet || !dpkgDeb) {
    throw new StepFailedError('apt packages need apt-get and dpkg-deb on the server (a Debian or Ubuntu host)');
  }
  const work = ctx.mkdir(join(ctx.staging, '.apt'));
  const debs = join(ctx.mkdir(join(work, 'debs', 'partial')), '..');
  const hostLists = hostListsDir();
  let lists = hostLists && hasPackageLists(hostLists) ? hostLists : await privateLists(ctx, aptGet, false);
  const download = (listsDir: string) =>
    ctx.run('apt-get install --download-only', [
      aptGet,
      'install',
      '--download-only',
      '--no-install-recommends',
      '-y',
      '-q',
      ...aptOptions(listsDir, debs),
      ...specs,
    ]);
  try {
    await download(lists);
  } catch (error) {
    // The host's lists can be older than the mirror (404 for superseded versions): refresh privately once.
    if (lists !== hostLists || !/\b404\b|Unable to fetch/.test(ctx.log.tail(40, 8000))) throw error;
    ctx.log.line('[retrying with freshly updated private package lists]');
    lists = await privateLists(ctx, aptGet, true);
    await download(lists);
  }
  const root = ctx.mkdir(join(ctx.staging, 'apt', 'root'));
  const files = readdirSync(debs).filter((name) => name.endsWith('.deb'));
  if (files.length === 0) ctx.log.line('[apt: everything requested is already installed on the host]');
  for (const file of files) await ctx.run(`dpkg-deb -x ${file}`, [dpkgDeb, '-x', join(debs, file), root]);
  relinkInside(root, root);
  rmSync(work, { recursive: true, force: true });
};

function aptOptions(lists: string, archives: string): string[] {
  return [
    // only a private archive directory and private lists are written; the host's dpkg state is read
    ['Debug::NoLocking', '1'],
    ['Dir::Cache::archives', archives],
    ['Dir::Cache::pkgcache', ''],
    ['Dir::Cache::srcpkgcache', ''],
    ['Dir::State::Lists', lists],
    ['APT::Sandbox::User', ''],
  ].flatMap(([key, value]) => ['-o', `${key}=${value}`]);
}

function hostListsDir(): string | null {
  try {
    const out = execFileSync('apt-config', ['shell', 'LISTS', 'Dir::State::lists/d'], { encoding: 'utf8' });
    return /LISTS='([^']*)'/.exec(out)?.[1] ?? null;
  } catch {
    return null;
  }
}

function hasPackageLists(dir: string): boolean {
  try {
    return readdirSync(dir).some((name) => name.includes('_Packages'));
  } catch {
    return false;
  }
}

/** Package lists of the builder's own (`apt-get update` into its home), when the host has none or stale ones. */
async function privateLists(ctx: InstallContext, aptGet: string, refresh: boolean): Promise<string> {
  return ctx.exclusive('apt-lists', async () => {
    const lists = ctx.mkdir(join(ctx.home, 'apt-lists', 'partial'));
    const dir = dirname(lists);
    const fresh = hasPackageLists(dir) && Date.now() - statSync(dir).mtimeMs < PRIVATE_LISTS_MAX_AGE_MS;
    if (fresh && !refresh) return dir;
    const archives = join(ctx.mkdir(join(ctx.home, 'apt-archives', 'partial')), '..');
    await ctx.run('apt-get update', [aptGet, 'update', '-q', ...aptOptions(dir, archives)]);
    return dir;
  });
}

/**
 * Packages' absolute symlinks (`/usr/lib/x/libfoo.so -> /usr/lib/x/libfoo.so.1`) would point into
 * the host's /usr inside the sandbox; those whose target the layer itself holds become relative.
 */
function relinkInside(root: string, dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) relinkInside(root, path);
    if (!entry.isSymbolicLink()) continue;
    const target = readlinkSync(path);
    if (!target.startsWith('/')) continue;
    const inLayer = join(root, target);
    if (!inLayer.startsWith(`${root}/`)) continue;
    try {
      lstatSync(inLayer);
    } catch {
      continue; // the host's file, at the same path inside the sandbox
    }
    unlinkSync(path);
    symlinkSync(relative(dirname(path), inLayer) || '.', path);
  }
}
