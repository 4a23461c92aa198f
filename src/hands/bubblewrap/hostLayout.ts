import { accessSync, constants, existsSync, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const TOP_LEVEL = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];

/**
 * /etc is an allow-list: only what programs need to start, find libraries, verify TLS and
 * name things. Never /etc/shadow, /etc/ssl/private, credentials files (/etc/npmrc, …) or the
 * host's /etc/passwd (a generated one is bound instead).
 */
const ETC_ALLOWED = [
  'alternatives',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'nsswitch.conf',
  'localtime',
  'timezone',
  'ssl/certs',
  'ssl/openssl.cnf',
  'ca-certificates',
  'ca-certificates.conf',
  'pki/tls/certs',
  'pki/ca-trust',
  'mime.types',
  'os-release',
  'debian_version',
  'lsb-release',
  'inputrc',
  'protocols',
  'services',
  'magic',
  'magic.mime',
];
const ETC_PATTERNS = [/^python3(\.\d+)?$/, /^java-\d+-openjdk$/, /^perl$/];

/**
 * bwrap arguments for the read-only system view: /usr, the top-level directories (as symlinks
 * on merged-/usr hosts, bound otherwise), the /etc allow-list and any extra paths the operator
 * adds. Computed once per server.
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
  const etc = [...ETC_ALLOWED, ...safeReaddir('/etc').filter((name) => ETC_PATTERNS.some((re) => re.test(name)))];
  for (const name of etc) {
    const path = `/etc/${name}`;
    if (existsSync(path)) args.push('--ro-bind', path, path);
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

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
