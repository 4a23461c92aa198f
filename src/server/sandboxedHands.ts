import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ResourceStore } from '../core/resourceStore.js';
import type { Vault } from '../core/vault.js';
import { createHands, type BosunHands } from '../hands/createHands.js';
import { PackageLayers } from '../hands/packages/packageLayers.js';
import {
  createEgressProxy,
  createResolver,
  type EgressSelfTest,
  gateUntrustedTools,
  runEgressSelfTest,
  writeSelfTestReport,
} from '../vault/egress/index.js';
import type { ServerConfig } from './config.js';
import { createSecretEgress } from './secretEgress.js';

/**
 * The hands as the server runs them: sandboxes that reach the network only through the egress
 * proxy, and — failing closed — no bash or web_fetch until a self-test sandbox has shown that a
 * direct connection and a denied host are both refused.
 */
export async function createSandboxedHands(
  config: ServerConfig,
  logger: Logger,
  deps: { resources: ResourceStore; vault: Vault },
): Promise<{ hands: BosunHands; close(): Promise<void> }> {
  const egress = createEgressProxy({
    runDir: join(config.dataDir, 'egress'),
    resolver: createResolver({ hosts: config.egressHosts }),
    // environment_variable credentials: placeholders in the sandbox, secrets substituted here.
    ...(await createSecretEgress(config.dataDir, logger, deps)),
    ...(config.egressUpstreamCa ? { upstreamCa: config.egressUpstreamCa } : {}),
    log: (entry) =>
      entry.decision === 'denied'
        ? logger.warn({ egress: entry }, 'egress denied')
        : logger.info({ egress: entry }, 'egress'),
  });
  const sandboxed = createHands({
    dataDir: config.dataDir,
    backend: config.sandbox,
    allowUnsandboxed: config.sandbox === 'local',
    egress,
    // Environment packages install once per package set, on the first tool call that needs them.
    packages: new PackageLayers({
      dataDir: config.dataDir,
      logger: { info: (message) => logger.info(message), warn: (message) => logger.warn(message) },
    }),
    logger: { warn: (message) => logger.warn(message) },
  });
  // The self-test gets the ungated hands (the gated ones would wait for it). Only tool calls
  // wait for it, never a model request.
  const selfTest: Promise<EgressSelfTest> = runEgressSelfTest({ hands: sandboxed, proxy: egress });
  void selfTest.then(
    (result) => {
      writeSelfTestReport(join(config.dataDir, 'egress', 'selftest.json'), result);
      if (!result.ok) logger.error({ selfTest: result }, 'egress self-test failed: bash and web_fetch are refused');
      else if (!result.egressWorks)
        logger.warn({ selfTest: result }, 'egress self-test: allowed hosts unreachable (is socat installed?)');
    },
    (error: unknown) => logger.error({ err: error }, 'egress self-test could not run: bash and web_fetch are refused'),
  );
  // The local backend is an explicit unsandboxed opt-in: its self-test always fails, so it is not gated.
  const hands = config.sandbox === 'local' ? sandboxed : gateUntrustedTools(sandboxed, selfTest);
  return {
    hands,
    async close() {
      await selfTest.catch(() => {});
      await hands.close();
      await egress.close();
    },
  };
}
