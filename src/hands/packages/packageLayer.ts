import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Search-path variables a layer adds to, each a list of directories relative to the layer's root. */
export type LayerPaths = Partial<
  Record<'PATH' | 'LD_LIBRARY_PATH' | 'NODE_PATH' | 'PYTHONPATH' | 'PERL5LIB' | 'GEM_PATH', string[]>
>;

/** A built, read-only package layer: one per distinct `config.packages`, shared by every session using it. */
export interface PackageLayer {
  hash: string;
  /** Host directory; the bubblewrap backend binds it read-only at PACKAGE_LAYER_MOUNT. */
  dir: string;
  paths: LayerPaths;
}

/**
 * The sandbox environment for a layer mounted at `mountDir`: its directories come before
 * `basePath` on PATH, so a version pinned in the environment wins over the host's.
 */
export function layerEnv(layer: PackageLayer, mountDir: string, basePath: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, dirs] of Object.entries(layer.paths)) {
    if (!dirs || dirs.length === 0) continue;
    env[name] = dirs.map((dir) => join(mountDir, dir)).join(':');
  }
  env['PATH'] = env['PATH'] ? `${env['PATH']}:${basePath}` : basePath;
  return env;
}

// Language managers before apt, so `npm i typescript` wins over a Debian `node-typescript`.
const FIXED: Array<[keyof LayerPaths, string]> = [
  ['PATH', 'npm/node_modules/.bin'],
  ['NODE_PATH', 'npm/node_modules'],
  ['PATH', 'pip/bin'],
  ['PYTHONPATH', 'pip'],
  ['PATH', 'gem/bin'],
  ['GEM_PATH', 'gem'],
  ['PATH', 'cargo/bin'],
  ['PATH', 'go/bin'],
];
const APT_BIN = ['usr/local/bin', 'usr/bin', 'bin', 'usr/local/sbin', 'usr/sbin', 'sbin', 'usr/games'];

/** Which search paths the built layer in `dir` needs: only directories that exist. */
export function scanLayerPaths(dir: string): LayerPaths {
  const paths: LayerPaths = {};
  const add = (name: keyof LayerPaths, rel: string) => {
    if (existsSync(join(dir, rel))) (paths[name] ??= []).push(rel);
  };
  for (const [name, rel] of FIXED) add(name, rel);
  const root = 'apt/root';
  if (!existsSync(join(dir, root))) return paths;
  for (const bin of APT_BIN) add('PATH', `${root}/${bin}`);
  const triplets = subdirs(join(dir, root, 'usr/lib')).filter((name) => /-linux-gnu/.test(name));
  for (const lib of [...triplets.flatMap((t) => [`usr/lib/${t}`, `lib/${t}`]), 'usr/lib', 'lib']) {
    if (subdirs(join(dir, root, lib), true).some((name) => /\.so(\.|$)/.test(name))) {
      (paths.LD_LIBRARY_PATH ??= []).push(`${root}/${lib}`);
    }
  }
  for (const t of triplets) {
    for (const version of subdirs(join(dir, root, `usr/lib/${t}/perl5`)))
      add('PERL5LIB', `${root}/usr/lib/${t}/perl5/${version}`);
  }
  add('PERL5LIB', `${root}/usr/share/perl5`);
  add('PYTHONPATH', `${root}/usr/lib/python3/dist-packages`);
  return paths;
}

function subdirs(path: string, files = false): string[] {
  try {
    return readdirSync(path, { withFileTypes: true })
      .filter((entry) => files || entry.isDirectory())
      .map((entry) => entry.name);
  } catch {
    return [];
  }
}
