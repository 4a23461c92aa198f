import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import pino from 'pino';
import { createApp } from '../api/app.js';
import type { Wake } from '../core/wake.js';
import { catalogueProfile } from '../models/catalogue.js';
import { InProcessPreviews } from '../store/previewBus.js';
import { SqliteStore } from '../store/sqlite/sqliteStore.js';
import { loadOrCreateApiKey } from './apiKey.js';
import type { ServerConfig } from './config.js';

export interface RunningServer {
  url: string;
  apiKey: string;
  apiKeyCreated: boolean;
  store: SqliteStore;
  close(): Promise<void>;
}

/** The composition root: wires the store, the API and (later) the brain into one process. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const logger = pino({
    level: config.logLevel,
    redact: ['req.headers.authorization', 'req.headers["x-api-key"]', '*.apiKey'],
  });
  const { key, created } = loadOrCreateApiKey(config.dataDir, config.apiKey);
  const store = new SqliteStore(join(config.dataDir, 'bosun.db'));
  const previews = new InProcessPreviews();
  let ready = false;
  const wake: Wake = () => {};
  const app = createApp(
    {
      log: store,
      resources: store,
      idempotency: store,
      previews,
      modelProfile: (id) => catalogueProfile(id) ?? null,
      wake,
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
  ready = true;
  return {
    url: `http://${host}:${address.port}`,
    apiKey: key,
    apiKeyCreated: created,
    store,
    async close() {
      ready = false;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // SSE streams are long-lived; end them so close() does not wait for clients.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      store.close();
    },
  };
}

function listen(fetch: Parameters<typeof serve>[0]['fetch'], hostname: string, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname, port }, () => resolve(server));
    server.once('error', reject);
  });
}
