import { accessSync, constants, lstatSync, readlinkSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const TOP_LEVEL = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];

/**
 * bwrap arguments for the read-only system view: /usr, the top-level directories (as symlinks
 * on merged-/usr hosts, bound otherwise) and any extra paths the operator adds. /etc comes from
 * sandboxEtc.ts. Computed once per server.
 */
export function systemBinds(extraReadOnly: readonly string[] = []): string[] {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const name of TOP_LEVEL) {
    const path = `/${name}`;
    let stat;
    try {
      stat = lstatSync(path);
    } catch {
      continue;
    }
    if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(path), path);
    else if (stat.isDirectory()) args.push('--ro-bind', path, path);
  }
  for (const path of extraReadOnly) args.push('--ro-bind', path, path);
  return args;
}

/** The absolute path of an executable on the server's PATH, or null. */
export function findExecutable(name: string, searchPath = process.env['PATH'] ?? '/usr/bin:/bin'): string | null {
  for (const dir of searchPath.split(delimiter)) {
    if (!dir.startsWith('/')) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}
