import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import type { BrainLimits } from '../../src/brain/limits.js';
import { resolveConfig } from '../../src/server/config.js';
import { startServer, type RunningServer } from '../../src/server/server.js';

export interface TestBosun {
  server: RunningServer;
  client: Anthropic;
  dataDir: string;
  /** A raw fetch against the server with the API key, for wire-level assertions. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Stops the server; removes the data dir unless the caller supplied it or passes `keepData`. */
  close(options?: { keepData?: boolean }): Promise<void>;
  /** Stops this server and starts a new one on the same data dir (and so the same API key). */
  restart(): Promise<TestBosun>;
}

export interface TestBosunOptions {
  heartbeatMs?: number;
  maxBodyBytes?: number;
  /** Run on an existing data dir; the helper then never removes it. */
  dataDir?: string;
  /** A scripted model's URL: the Anthropic and OpenAI providers are pointed at it. */
  modelUrl?: string;
  limits?: Partial<BrainLimits>;
  sandbox?: 'bubblewrap' | 'local';
  /**
   * Run the brain (default when a model is given). The API's own tests run an API-only node, so
   * the log holds exactly the events they send.
   */
  brain?: boolean;
  /** Names the egress proxy resolves to local test services. */
  egressHosts?: Record<string, string>;
  /** A test CA the egress proxy trusts for upstreams whose TLS it terminates (secret substitution). */
  egressUpstreamCa?: string;
  /** Log at this level (default silent) to this file (default stdout). */
  logLevel?: string;
  logFile?: string;
}

/** A real server on a random loopback port, with the official SDK pointed at it. */
export async function startTestBosun(options: TestBosunOptions = {}): Promise<TestBosun> {
  const { dataDir: given, ...rest } = options;
  return boot(rest, given ?? mkdtempSync(join(tmpdir(), 'bosun-test-')), given === undefined);
}

async function boot(
  options: Omit<TestBosunOptions, 'dataDir'>,
  dataDir: string,
  ownsDataDir: boolean,
): Promise<TestBosun> {
  const config = { ...resolveConfig({ host: '127.0.0.1', port: 0, dataDir }, {}), logLevel: 'silent' };
  if (options.heartbeatMs) config.heartbeatMs = options.heartbeatMs;
  if (options.maxBodyBytes) config.maxBodyBytes = options.maxBodyBytes;
  if (options.modelUrl) config.modelEnv = scriptedModelEnv(options.modelUrl);
  if (options.limits) config.limits = options.limits;
  if (options.sandbox) config.sandbox = options.sandbox;
  config.brain = options.brain ?? options.modelUrl !== undefined;
  if (options.egressHosts) config.egressHosts = options.egressHosts;
  if (options.egressUpstreamCa) config.egressUpstreamCa = options.egressUpstreamCa;
  if (options.logLevel) config.logLevel = options.logLevel;
  if (options.logFile) config.logFile = options.logFile;
  const server = await startServer(config);
  const client = new Anthropic({ baseURL: server.url, apiKey: server.apiKey, maxRetries: 0 });
  const close = async ({ keepData = false } = {}) => {
    await server.close();
    if (ownsDataDir && !keepData) rmSync(dataDir, { recursive: true, force: true });
  };
  return {
    server,
    client,
    dataDir,
    fetch: (path, init = {}) => {
      const headers = new Headers(init.headers);
      if (!headers.has('authorization') && !headers.has('x-api-key')) headers.set('x-api-key', server.apiKey);
      return fetch(`${server.url}${path}`, { ...init, headers });
    },
    close,
    async restart() {
      await close({ keepData: true });
      return boot(options, dataDir, ownsDataDir);
    },
  };
}

/** Provider settings that send every model request to the scripted stand-in model. */
export function scriptedModelEnv(modelUrl: string): NodeJS.ProcessEnv {
  return {
    ANTHROPIC_BASE_URL: modelUrl,
    ANTHROPIC_API_KEY: 'test-model-key',
    OPENAI_BASE_URL: `${modelUrl}/v1`,
    OPENAI_API_KEY: 'test-model-key',
  };
}

/** Fast retries and leases for tests; behaviour is the same, only the clocks are shorter. */
export const FAST_LIMITS: Partial<BrainLimits> = {
  retryBaseMs: 20,
  retryMaxMs: 200,
  leaseTtlMs: 2_000,
  leaseRenewMs: 500,
  sweepIntervalMs: 200,
  modelIdleTimeoutMs: 2_000,
};
