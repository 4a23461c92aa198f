import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import pino from 'pino';
import { createApp } from '../api/app.js';
import { DEFAULT_LIMITS } from '../brain/limits.js';
import { BrainWorker } from '../brain/worker.js';
import type { BosunHands } from '../hands/createHands.js';
import { AGENT_TOOLSET_SPECS } from '../hands/toolset/index.js';
import { loadModelConfig } from '../models/modelConfig.js';
import { createModelRouter } from '../models/router.js';
import { newId } from '../protocol/ids.js';
import { InProcessPreviews } from '../store/previewBus.js';
import { SqliteStore } from '../store/sqlite/sqliteStore.js';
import { vaultRecordDataKeys } from '../vault/crypto/dataKeyStore.js';
import { EnvelopeVault } from '../vault/crypto/envelopeVault.js';
import { loadMasterKeyring } from '../vault/crypto/masterKey.js';
import { McpOAuthProbe } from '../vault/mcpOAuthProbe.js';
import { loadOrCreateApiKey } from './apiKey.js';
import type { ServerConfig } from './config.js';
import { vaultMcpCredentials, withMcp } from './mcpHands.js';
import { createSandboxedHands } from './sandboxedHands.js';

export interface RunningServer {
  url: string;
  apiKey: string;
  apiKeyCreated: boolean;
  store: SqliteStore;
  brain: BrainWorker;
  hands: BosunHands;
  /** Seals and opens credential secrets; `credentialsForSession` in src/vault takes it. */
  vault: EnvelopeVault;
  close(): Promise<void>;
}

/** The composition root: wires the store, the API, the brain and the hands into one process. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const logOptions = {
    level: config.logLevel,
    redact: ['req.headers.authorization', 'req.headers["x-api-key"]', '*.apiKey'],
  };
  const logger = config.logFile
    ? pino(logOptions, pino.destination({ dest: config.logFile, sync: true, mkdir: true }))
    : pino(logOptions);
  const { key, created } = loadOrCreateApiKey(config.dataDir, config.apiKey);
  const store = new SqliteStore(join(config.dataDir, 'bosun.db'), {
    onListenerError: (error) => logger.error({ err: error }, 'event subscriber failed'),
  });
  const vault = await openVault(config, store, logger);
  const previews = new InProcessPreviews();
  const models = createModelRouter({ config: loadModelConfig({ dataDir: config.dataDir }), env: config.modelEnv });
  const sandboxes = await createSandboxedHands(config, logger, { resources: store, vault });
  const hands = withMcp(sandboxes.hands, {
    dataDir: config.dataDir,
    logger,
    credentials: vaultMcpCredentials({ resources: store, vault }),
  });
  const brain = new BrainWorker({
    log: store,
    resources: store,
    leases: store,
    models,
    hands,
    previews,
    builtinToolSpecs: AGENT_TOOLSET_SPECS,
    limits: { ...DEFAULT_LIMITS, ...config.limits },
    workerId: `${hostname()}:${process.pid}:${newId('work')}`,
    logger,
  });
  let ready = false;
  const app = createApp(
    {
      log: store,
      resources: store,
      idempotency: store,
      previews,
      wake: config.brain ? brain.wake : () => {},
      vault,
      credentialProbe: new McpOAuthProbe({ resources: store, vault }),
      ...(config.brain ? { brainHealth: () => brain.health() } : {}),
      modelProfile: (id) => (models.isKnownModel(id) ? models.profileFor(id) : null),
      apiKeys: [key],
      maxBodyBytes: config.maxBodyBytes,
      heartbeatMs: config.heartbeatMs,
      logger,
    },
    () => ready,
  );
  const server = await listen(app.fetch, config.host, config.port);
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  if (config.brain) brain.start();
  ready = true;
  return {
    url: `http://${host}:${address.port}`,
    apiKey: key,
    apiKeyCreated: created,
    store,
    brain,
    hands,
    vault,
    async close() {
      ready = false;
      await brain.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // SSE streams are long-lived; end them so close() does not wait for clients.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await hands.close();
      await sandboxes.close();
      store.close();
    },
  };
}

/**
 * The master key, then every vault's data key checked against it: data keys still wrapped by a
 * previous key are rewrapped (finishing a rotation), and one wrapped by a key that is not
 * configured stops the start, instead of leaving every secret of that vault unreadable.
 */
async function openVault(config: ServerConfig, store: SqliteStore, logger: pino.Logger): Promise<EnvelopeVault> {
  const { keyring, created, warnings } = loadMasterKeyring({
    dataDir: config.dataDir,
    masterKey: config.masterKey,
    previousMasterKeys: config.previousMasterKeys,
  });
  for (const warning of warnings) logger.warn(warning);
  if (created) {
    logger.info({ masterKeyId: keyring.current.id }, 'created a master key (master.key in the data dir); back it up');
  }
  const vault = new EnvelopeVault(keyring, vaultRecordDataKeys(store));
  try {
    const report = await vault.rotateMasterKey();
    if (report.rewrapped > 0) logger.info({ ...report, masterKeyId: keyring.current.id }, 'rewrapped vault data keys');
  } catch (error) {
    store.close();
    throw error;
  }
  return vault;
}

function listen(fetch: Parameters<typeof serve>[0]['fetch'], hostname: string, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname, port }, () => resolve(server));
    server.once('error', reject);
  });
}
