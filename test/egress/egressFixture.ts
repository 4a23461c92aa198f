import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionHandsContext, ToolResult } from '../../src/core/hands.js';
import { type BosunHands, createHands } from '../../src/hands/createHands.js';
import {
  BRIDGE_READY,
  createEgressProxy,
  type EgressProxyOptions,
  type EgressProxyServer,
} from '../../src/vault/egress/egressProxy.js';
import { createResolver } from '../../src/vault/egress/resolver.js';
import type { EgressLogEntry } from '../../src/vault/egress/types.js';
import { requireBubblewrap, text } from '../escape/handsFixture.js';

/** Every fake name of these tests; each points at a loopback test server (tests contact nothing else). */
export const TEST_HOSTS = [
  'api.allowed.test',
  'blocked.test',
  'anything.test',
  'npm-mirror.test',
  'apt-mirror.test',
  'api.vault.test',
];

/** Tests must not reach DNS: names outside the override do not resolve. */
export async function noDns(host: string): Promise<string[]> {
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
}

export interface EgressFixture {
  dataDir: string;
  hands: BosunHands;
  proxy: EgressProxyServer;
  logs: EgressLogEntry[];
  session(networking: Record<string, unknown>): SessionHandsContext;
  /**
   * Runs `command` in the session's shell. The first command of a shell waits for the bridge
   * (`BRIDGE_READY`): until the launcher runs the attachment's `ready` line itself, a fast first
   * command can race socat's start.
   */
  bash(session: SessionHandsContext, command: string): Promise<ToolResult>;
  call(session: SessionHandsContext, tool: string, input: unknown): Promise<ToolResult>;
  close(): Promise<void>;
}

let counter = 0;

export function egressFixture(options: Partial<EgressProxyOptions> = {}): EgressFixture {
  requireBubblewrap();
  const dataDir = mkdtempSync(join(tmpdir(), 'bosun-egress-'));
  const logs: EgressLogEntry[] = [];
  const proxy = createEgressProxy({
    runDir: join(dataDir, 'egress'),
    resolver: createResolver({ hosts: Object.fromEntries(TEST_HOSTS.map((h) => [h, '127.0.0.1'])), lookup: noDns }),
    packageSources: async () => ({ sources: [], problems: [] }),
    log: (entry) => logs.push(entry),
    ...options,
  });
  const hands = createHands({ dataDir, egress: proxy, logger: { warn: () => {} } });
  const call = (session: SessionHandsContext, tool: string, input: unknown) =>
    hands.execute(session, `sevt_egress_${process.pid}_${++counter}`, tool, input, new AbortController().signal);
  return {
    dataDir,
    hands,
    proxy,
    logs,
    session: (networking) => ({
      sessionId: `sesn_egress_${process.pid}_${++counter}`,
      environmentId: 'env_egress_test',
      environmentConfig: { type: 'cloud', networking },
    }),
    bash: (session, command) => call(session, 'bash', { command: `${BRIDGE_READY}\n${command}` }),
    call,
    close: async () => {
      await hands.close();
      await proxy.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const limited = (allowed_hosts: string[], extra: Record<string, unknown> = {}) => ({
  type: 'limited',
  allowed_hosts,
  allow_package_managers: false,
  allow_mcp_servers: false,
  ...extra,
});

export { text };

/** A test CA and a leaf for `names`, made with the openssl CLI (tests fail, never skip, without it). */
export interface TestPki {
  caPem: string;
  keyPem: string;
  certPem: string;
}

export function makePki(names: string[], cn = 'bosun test CA'): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'bosun-pki-'));
  const openssl = (...args: string[]) =>
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    openssl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
    openssl('req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', `/CN=${names[0] ?? 'localhost'}`);
    writeFileSync(
      join(dir, 'leaf.ext'),
      `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`,
    );
    openssl(
      'x509',
      '-req',
      '-in',
      'leaf.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'leaf.pem',
      '-days',
      '2',
      '-extfile',
      'leaf.ext',
    );
    const read = (name: string) => readFileSync(join(dir, name), 'utf8');
    return { caPem: read('ca.pem'), keyPem: read('leaf.key'), certPem: read('leaf.pem') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Answers with what it received: which server, path, and the headers that matter to the tests. */
export function echo(name: string): RequestListener {
  return (req: IncomingMessage, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(
      `${JSON.stringify({ server: name, path: req.url, host: req.headers.host, auth: req.headers.authorization ?? null })}\n`,
    );
  };
}

export async function listenHttp(handler: RequestListener): Promise<{ server: Server; port: number }> {
  const server = createHttpServer(handler);
  return { server, port: await listen(server) };
}

export async function listenHttps(handler: RequestListener, pki: TestPki): Promise<{ server: Server; port: number }> {
  const server = createHttpsServer({ key: pki.keyPem, cert: pki.certPem }, handler);
  return { server, port: await listen(server) };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}
