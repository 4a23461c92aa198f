import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { SANDBOX_GID, SANDBOX_UID } from './bwrapArgs.js';

/**
 * /etc is an allow-list: only what programs need to start, find libraries, verify TLS and name
 * things. Never /etc/shadow, /etc/ssl/private, credentials files (/etc/npmrc, …) or the host's
 * /etc/passwd (a generated one stands in).
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
 * Builds the sandbox's /etc once as a directory under the hands root: copies of the allowed
 * host entries (symlinks kept as they are) plus generated passwd, group and hosts. One bind
 * mount instead of one per file saves ~3 ms of every sandbox start. The directory is named after
 * the host entries' modification times, so a host change (an apt install updating ld.so.cache or
 * the CA bundle) yields a fresh copy; running sandboxes keep the one they mounted.
 */
export function prepareSandboxEtc(handsRoot: string, groupGid: number | null): string {
  const entries = allowedEntries();
  const stamp = createHash('sha256')
    .update(entries.map((e) => `${e}:${lstatSync(`/etc/${e}`).mtimeMs}`).join('\n'))
    .digest('hex')
    .slice(0, 16);
  const dir = join(handsRoot, `.sandbox-etc-${stamp}`);
  if (existsSync(dir)) return dir;
  const building = `${dir}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  for (const entry of entries) {
    cpSync(`/etc/${entry}`, join(building, entry), {
      recursive: true,
      verbatimSymlinks: true,
      preserveTimestamps: true,
    });
  }
  writeFileSync(
    join(building, 'passwd'),
    `root:x:0:0:root:/root:/usr/sbin/nologin\nagent:x:${SANDBOX_UID}:${SANDBOX_GID}:agent:/home/agent:/bin/bash\n` +
      'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
    { mode: 0o644 },
  );
  writeFileSync(join(building, 'group'), `root:x:0:\nagent:x:${SANDBOX_GID}:\nnogroup:x:65534:\n`, { mode: 0o644 });
  writeFileSync(join(building, 'hosts'), '127.0.0.1\tlocalhost sandbox\n::1\tlocalhost ip6-localhost ip6-loopback\n', {
    mode: 0o644,
  });
  writeFileSync(join(building, 'hostname'), 'sandbox\n', { mode: 0o644 });
  if (groupGid !== null) chownSync(building, 0, groupGid);
  chmodSync(building, 0o750);
  try {
    renameSync(building, dir);
  } catch {
    // another server process built the same copy first
    rmSync(building, { recursive: true, force: true });
  }
  removeOlderCopies(handsRoot, dir);
  return dir;
}

function allowedEntries(): string[] {
  let names: string[] = [];
  try {
    names = readdirSync('/etc');
  } catch {
    // no /etc to copy from
  }
  const patterned = names.filter((name) => ETC_PATTERNS.some((re) => re.test(name)));
  return [...ETC_ALLOWED, ...patterned].filter((entry) => existsSync(`/etc/${entry}`));
}

/** Copies left by earlier runs; one still mounted by a live sandbox stays usable (the mount holds it). */
function removeOlderCopies(handsRoot: string, keep: string): void {
  for (const name of readdirSync(handsRoot)) {
    const path = join(handsRoot, name);
    if (name.startsWith('.sandbox-etc-') && path !== keep && !name.includes('.building-')) {
      rmSync(path, { recursive: true, force: true });
    }
  }
}
