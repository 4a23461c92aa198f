import { probeIsolation } from '../hands/probe.js';
import { egressChecks } from './doctorEgress.js';
import type { ServerConfig } from '../server/config.js';

interface Check {
  name: string;
  /** 'degraded' passes, with a warning: sandboxes run, with weaker isolation or limits. */
  ok: boolean | 'degraded';
  detail: string;
  hint?: string;
}

function checkNode(): Check {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const ok = major > 20 || (major === 20 && minor >= 19);
  return {
    name: 'node',
    ok,
    detail: `v${process.versions.node}`,
    ...(ok ? {} : { hint: 'install Node 20.19 or newer' }),
  };
}

async function checkSqlite(): Promise<Check> {
  try {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(':memory:');
    const version = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
    db.close();
    return { name: 'sqlite', ok: true, detail: `better-sqlite3, SQLite ${version}` };
  } catch (error) {
    return {
      name: 'sqlite',
      ok: false,
      detail: String(error),
      hint: 're-run `npm install` (better-sqlite3 builds from source)',
    };
  }
}

/** Prints one line per check; exit code 1 when any check fails. */
export async function runDoctor(config: ServerConfig): Promise<number> {
  const checks: Check[] = [checkNode(), await checkSqlite(), ...probeIsolation({ dataDir: config.dataDir })];
  if (checks.every((check) => check.ok !== false)) checks.push(...(await egressChecks(config)));
  for (const check of checks) {
    const mark = check.ok === true ? 'ok  ' : check.ok === 'degraded' ? 'WARN' : 'FAIL';
    process.stdout.write(`${mark} ${check.name}: ${check.detail}\n`);
    if (check.hint) process.stdout.write(`     → ${check.hint}\n`);
  }
  process.stdout.write(`data dir: ${config.dataDir}\n`);
  return checks.every((check) => check.ok !== false) ? 0 : 1;
}
