import { spawnSync } from 'node:child_process';
import type { ServerConfig } from '../server/config.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  hint?: string;
}

function checkNode(): Check {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const ok = major > 20 || (major === 20 && minor >= 19);
  return { name: 'node', ok, detail: `v${process.versions.node}`, ...(ok ? {} : { hint: 'install Node 20.19 or newer' }) };
}

async function checkSqlite(): Promise<Check> {
  try {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(':memory:');
    const version = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
    db.close();
    return { name: 'sqlite', ok: true, detail: `better-sqlite3, SQLite ${version}` };
  } catch (error) {
    return { name: 'sqlite', ok: false, detail: String(error), hint: 're-run `npm install` (better-sqlite3 builds from source)' };
  }
}

function checkBubblewrap(): Check {
  const version = spawnSync('bwrap', ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    return {
      name: 'bubblewrap',
      ok: false,
      detail: 'bwrap not found: untrusted tools cannot be sandboxed',
      hint: 'install it: `apt-get install -y bubblewrap` (Debian/Ubuntu) or `dnf install bubblewrap`',
    };
  }
  const probe = spawnSync('bwrap', ['--ro-bind', '/', '/', '--unshare-all', '--die-with-parent', 'true'], {
    encoding: 'utf8',
  });
  if (probe.status !== 0) {
    return {
      name: 'bubblewrap',
      ok: false,
      detail: `${version.stdout.trim()} is installed but cannot create namespaces: ${probe.stderr.trim()}`,
      hint: 'enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1) or run as root',
    };
  }
  return { name: 'bubblewrap', ok: true, detail: `${version.stdout.trim()}, namespaces work` };
}

/** Prints one line per check; exit code 1 when any check fails. */
export async function runDoctor(config: ServerConfig): Promise<number> {
  const checks = [checkNode(), await checkSqlite(), checkBubblewrap()];
  for (const check of checks) {
    process.stdout.write(`${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}\n`);
    if (check.hint) process.stdout.write(`     → ${check.hint}\n`);
  }
  process.stdout.write(`data dir: ${config.dataDir}\n`);
  return checks.every((check) => check.ok) ? 0 : 1;
}
