import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BrainLimits } from '../brain/limits.js';

export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  /** From BOSUN_API_KEY; when unset a key is created in the data dir on first start. */
  apiKey: string | undefined;
  maxBodyBytes: number;
  heartbeatMs: number;
  logLevel: string;
  /** `bubblewrap` isolates tools (default); `local` runs them unsandboxed, for development only. */
  sandbox: 'bubblewrap' | 'local';
  /** Where model providers read their keys and base URLs (ANTHROPIC_*, OPENAI_*, configured envs). */
  modelEnv: NodeJS.ProcessEnv;
  limits: Partial<BrainLimits>;
  /** Run a brain worker in this process (default). Off: an API-only node; another process runs sessions. */
  brain: boolean;
  /**
   * Names the egress proxy resolves to fixed addresses, like /etc/hosts (tests and air-gapped
   * installs point allowed names at local services). From BOSUN_EGRESS_HOSTS="name=ip,name=ip".
   */
  egressHosts: Record<string, string>;
  /**
   * Extra CA certificates (PEM) the egress proxy trusts for upstreams whose TLS it terminates to
   * substitute secrets (an internal CA); read from the file BOSUN_EGRESS_UPSTREAM_CA. The system store otherwise.
   */
  egressUpstreamCa: string | undefined;
  /** BOSUN_LOG_FILE: append the JSON log to this file instead of stdout. */
  logFile: string | undefined;
  /** BOSUN_MASTER_KEY (base64, 32 bytes); when unset, `<dataDir>/master.key` is used (created 0600 on first start). */
  masterKey: string | undefined;
  /** BOSUN_PREVIOUS_MASTER_KEYS (comma-separated): old master keys; their data keys are rewrapped at start. */
  previousMasterKeys: string[];
}

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 4680,
  dataDir: './.bosun',
  maxBodyBytes: 32 * 1024 * 1024,
  heartbeatMs: 15_000,
} as const;

export function resolveConfig(
  options: { host?: string; port?: number; dataDir?: string },
  env: NodeJS.ProcessEnv = process.env,
): ServerConfig {
  return {
    host: options.host ?? env['BOSUN_HOST'] ?? DEFAULTS.host,
    port: options.port ?? (env['BOSUN_PORT'] ? Number(env['BOSUN_PORT']) : DEFAULTS.port),
    dataDir: resolve(options.dataDir ?? env['BOSUN_DATA_DIR'] ?? DEFAULTS.dataDir),
    apiKey: env['BOSUN_API_KEY'] || undefined,
    maxBodyBytes: DEFAULTS.maxBodyBytes,
    heartbeatMs: DEFAULTS.heartbeatMs,
    logLevel: env['BOSUN_LOG_LEVEL'] ?? 'info',
    sandbox: env['BOSUN_SANDBOX'] === 'local' ? 'local' : 'bubblewrap',
    modelEnv: env,
    limits: {},
    brain: env['BOSUN_BRAIN'] !== 'off',
    egressHosts: parseHostsOverride(env['BOSUN_EGRESS_HOSTS']),
    egressUpstreamCa: env['BOSUN_EGRESS_UPSTREAM_CA']
      ? readFileSync(env['BOSUN_EGRESS_UPSTREAM_CA'], 'utf8')
      : undefined,
    logFile: env['BOSUN_LOG_FILE'] || undefined,
    masterKey: env['BOSUN_MASTER_KEY'] || undefined,
    previousMasterKeys: (env['BOSUN_PREVIOUS_MASTER_KEYS'] ?? '')
      .split(',')
      .map((key) => key.trim())
      .filter((key) => key !== ''),
  };
}

function parseHostsOverride(value: string | undefined): Record<string, string> {
  const hosts: Record<string, string> = {};
  for (const entry of (value ?? '').split(',')) {
    const [name, address] = entry.split('=').map((part) => part.trim());
    if (name && address) hosts[name] = address;
  }
  return hosts;
}
