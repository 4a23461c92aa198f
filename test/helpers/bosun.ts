import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { resolveConfig } from '../../src/server/config.js';
import { startServer, type RunningServer } from '../../src/server/server.js';

export interface TestBosun {
  server: RunningServer;
  client: Anthropic;
  dataDir: string;
  /** A raw fetch against the server with the API key, for wire-level assertions. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** A real server on a random loopback port, with the official SDK pointed at it. */
export async function startTestBosun(options: { heartbeatMs?: number } = {}): Promise<TestBosun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bosun-test-'));
  const config = { ...resolveConfig({ host: '127.0.0.1', port: 0, dataDir }, {}), logLevel: 'silent' };
  if (options.heartbeatMs) config.heartbeatMs = options.heartbeatMs;
  const server = await startServer(config);
  const client = new Anthropic({ baseURL: server.url, apiKey: server.apiKey, maxRetries: 0 });
  return {
    server,
    client,
    dataDir,
    fetch: (path, init = {}) => {
      const headers = new Headers(init.headers);
      if (!headers.has('authorization') && !headers.has('x-api-key')) headers.set('x-api-key', server.apiKey);
      return fetch(`${server.url}${path}`, { ...init, headers });
    },
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
