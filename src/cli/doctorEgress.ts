import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHands } from '../hands/createHands.js';
import {
  createEgressProxy,
  describeSources,
  readSelfTestReport,
  runEgressSelfTest,
  selfTestCheck,
} from '../vault/egress/index.js';
import type { ServerConfig } from '../server/config.js';

interface Check {
  name: string;
  ok: boolean | 'degraded';
  detail: string;
  hint?: string;
}

/**
 * Runs the same egress self-test the server runs at start, in a scratch data dir: a sandbox
 * tries a direct connection and a denied host, and both must fail. Also reports which hosts
 * `allow_package_managers` opens (read from the package managers' own config) and what the
 * server's last start found.
 */
export async function egressChecks(config: ServerConfig): Promise<Check[]> {
  if (config.sandbox === 'local') {
    return [{ name: 'egress', ok: 'degraded', detail: 'not enforced: BOSUN_SANDBOX=local runs tools unsandboxed' }];
  }
  const scratch = mkdtempSync(join(tmpdir(), 'bosun-doctor-'));
  const proxy = createEgressProxy({ runDir: join(scratch, 'egress') });
  const hands = createHands({ dataDir: scratch, egress: proxy, logger: { warn: () => {} } });
  try {
    const checks: Check[] = [selfTestCheck(await runEgressSelfTest({ hands, proxy }))];
    const sources = (await proxy.packageSources()).sources;
    checks.push({
      name: 'package hosts',
      ok: true,
      detail:
        sources.length > 0
          ? `allow_package_managers opens ${describeSources(sources)}`
          : 'no package manager configured on this host',
    });
    const last = readSelfTestReport(join(config.dataDir, 'egress', 'selftest.json'));
    if (last) checks.push({ ...selfTestCheck(last), name: 'egress at last server start' });
    return checks;
  } catch (error) {
    return [
      {
        name: 'egress',
        ok: false,
        detail: `self-test could not run: ${String(error)}`,
        hint: 'check bubblewrap (above)',
      },
    ];
  } finally {
    await hands.close();
    await proxy.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}
