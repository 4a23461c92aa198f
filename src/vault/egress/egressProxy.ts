import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { addressRefusal } from './addressGuard.js';
import { countBytes, errorCode, refuse, refuseTunnel } from './forward.js';
import {
  formatAuthority,
  formatRule,
  type HostRule,
  matchRule,
  parseAuthority,
  parseHostRule,
} from './hostRules.js';
import { type DiscoveredSources, discoverPackageSources, packageRules } from './packageHosts.js';
import { createResolver, type Resolver } from './resolver.js';
import { createUpstream, forwardRequest } from './upstream.js';
import {
  BRIDGE_PORT,
  type EgressInterceptor,
  type EgressLogEntry,
  type EgressSession,
  type EgressTarget,
  type NetworkPolicy,
  SANDBOX_SOCKET_DIR,
  type SandboxEgress,
  SOCKET_NAME,
  type TlsInterception,
} from './types.js';

export interface EgressProxyOptions {
  /**
   * Where per-sandbox socket directories are made, e.g. `<dataDir>/egress`. Sandbox users must be
   * able to traverse it (it is created 0711); keep it short: a socket path has at most 107 bytes.
   */
  runDir: string;
  /** Name resolution for upstreams; a hosts override here is trusted (tests, pinned internal names). */
  resolver?: Resolver;
  /** What `allow_package_managers` opens; read from this machine's package manager configuration by default. */
  packageSources?: () => Promise<DiscoveredSources>;
  /** The connection log: one entry per request or tunnel. Never carries paths, queries or headers. */
  log?: (entry: EgressLogEntry) => void;
  /** Credential injection (the vault): requests to the hosts it claims are rewritten before they leave. */
  interceptor?: EgressInterceptor;
  /** The per-installation CA that lets the proxy terminate TLS for intercepted hosts. */
  tls?: TlsInterception;
  /** Extra CA certificates (PEM) to verify upstreams of intercepted HTTPS; the system store by default. */
  upstreamCa?: string;
  connectTimeoutMs?: number;
  /** Concurrent connections one sandbox may hold open through the proxy. */
  maxConnectionsPerSandbox?: number;
  /** Package hosts are read again after this long (default 5 minutes). */
  packageSourcesTtlMs?: number;
}

/** The egress proxy: an `EgressProxy` for `createHands({ egress })`, plus what the server and doctor need. */
export interface EgressProxyServer {
  attach(session: EgressSession, policy: NetworkPolicy): Promise<SandboxEgress>;
  /** The package-manager hosts `allow_package_managers` currently opens (for doctor and logs). */
  packageSources(): Promise<DiscoveredSources>;
  /**
   * For the self-test: names resolved as given for one session, so a denied name can point at a
   * canary listener that would see a leak. Returns the undo.
   */
  overrideHosts(sessionId: string, hosts: Record<string, string>): () => void;
  /** Sandboxes attached right now. */
  readonly attached: number;
  close(): Promise<void>;
}

interface Attachment {
  session: EgressSession;
  rules: HostRule[] | 'unrestricted';
  denials: string[];
  sockets: Set<Socket>;
}

type Decision = { allowed: true; reason: string; explicit: boolean } | { allowed: false; reason: string };

const MAX_SOCKET_PATH = 107;
const MAX_DENIALS = 20;
const PROXY_URL = `http://127.0.0.1:${BRIDGE_PORT}`;
/** In /proc/net/tcp (the sandbox's own network namespace) 0100007F:0C38 is 127.0.0.1:3128; state 0A is LISTEN. */
const LISTENING = ` 0100007F:${BRIDGE_PORT.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 0A `;
export const BRIDGE_READY =
  'if command -v socat >/dev/null; then for _ in {1..400}; do ' +
  `grep -qs '${LISTENING}' /proc/net/tcp && break; sleep 0.005; done; fi`;
const SYSTEM_CA_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt'];

/**
 * Bosun's egress proxy. Each attached sandbox gets its own Unix socket, so the socket a request
 * arrives on is the sandbox's identity: nothing in the sandbox can claim to be another session.
 * Plain HTTP is forwarded (absolute-form requests); anything else goes through CONNECT. Every
 * decision is made on the canonical host name, the name is resolved here (sandboxes have no
 * DNS), and the address that passed the checks is the one dialled.
 */
export function createEgressProxy(options: EgressProxyOptions): EgressProxyServer {
  const resolver = options.resolver ?? createResolver();
  const log = options.log ?? (() => {});
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const sessionHosts = new Map<string, Map<string, string>>();
  const servers = new Set<{ server: Server; attachment: Attachment; socketDir: string }>();
  const upstream = createUpstream({ connectTimeoutMs, ...(options.upstreamCa ? { ca: options.upstreamCa } : {}) });
  let sources: { at: number; value: Promise<DiscoveredSources> } | null = null;
  const readSources = options.packageSources ?? (() => discoverPackageSources());
  const packageSources = (): Promise<DiscoveredSources> => {
    const ttl = options.packageSourcesTtlMs ?? 5 * 60_000;
    if (!sources || Date.now() - sources.at > ttl) {
      const value = readSources();
      sources = { at: Date.now(), value };
      value.catch(() => (sources = null));
    }
    return sources.value;
  };

  // Intercepted tunnels are TLS-terminated and their requests fed to this inner server.
  const tunnelTargets = new WeakMap<Socket, { attachment: Attachment; target: EgressTarget; address: string; reason: string }>();
  const inner = createServer((req, res) => {
    const tunnelled = tunnelTargets.get(req.socket);
    if (!tunnelled) return void res.destroy();
    const { attachment, target, address, reason } = tunnelled;
    forwardRequest(req, res, {
      target,
      address,
      intercepted: true,
      interceptor: options.interceptor,
      upstream,
      log: (partial) =>
        log(entry(attachment, 'connect', req.method ?? 'GET', target.host, target.port, { decision: 'allowed', reason, ...partial })),
    }).catch(() => res.destroy());
  });

  const decide = (attachment: Attachment, host: string, port: number): Decision => {
    if (attachment.rules === 'unrestricted') return { allowed: true, reason: 'unrestricted', explicit: false };
    const rule = matchRule(attachment.rules, host, port);
    if (rule) return { allowed: true, reason: formatRule(rule), explicit: true };
    const hostListed = attachment.rules.some((r) => matchRule([{ ...r, port: null }], host, port));
    return { allowed: false, reason: `egress denied: ${formatAuthority(host, hostListed ? port : null)} is not in allowed_hosts` };
  };

  /** The address to dial, or why not: 403 for a policy refusal, 502 when the name does not resolve. */
  const route = async (
    attachment: Attachment,
    host: string,
    port: number,
  ): Promise<{ ok: true; address: string; reason: string } | { ok: false; status: number; reason: string }> => {
    const decision = decide(attachment, host, port);
    if (!decision.allowed) return { ok: false, status: 403, reason: decision.reason };
    let resolution;
    try {
      const pinned = sessionHosts.get(attachment.session.sessionId)?.get(host);
      resolution = pinned ? { addresses: [pinned], source: 'hosts' as const } : await resolver.resolve(host);
    } catch (error) {
      return { ok: false, status: 502, reason: `egress failed: ${host} could not be resolved (${errorCode(error)})` };
    }
    let refusal: { address: string; what: string } | null = null;
    for (const address of resolution.addresses) {
      const what = addressRefusal(address, { trusted: resolution.source === 'hosts', explicitlyAllowed: decision.explicit });
      if (!what) return { ok: true, address, reason: decision.reason };
      refusal ??= { address, what };
    }
    if (!refusal) return { ok: false, status: 502, reason: `egress failed: ${host} has no address` };
    const subject = resolution.source === 'literal' ? `${refusal.address} is` : `${formatAuthority(host)} resolves to ${refusal.address},`;
    return { ok: false, status: 403, reason: `egress denied: ${subject} ${refusal.what}, which sandboxes may not reach` };
  };

  const denied = (attachment: Attachment, kind: 'http' | 'connect', method: string, host: string, port: number, reason: string) => {
    if (attachment.denials.length < MAX_DENIALS && !attachment.denials.includes(reason)) attachment.denials.push(reason);
    log(entry(attachment, kind, method, host, port, { decision: 'denied', reason }));
  };

  const onRequest = async (attachment: Attachment, req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      refuse(res, 400, "egress: this is Bosun's egress proxy; send absolute-form requests (HTTP_PROXY) or CONNECT");
      return;
    }
    if (url.protocol !== 'http:') {
      refuse(res, 400, `egress: ${url.protocol} URLs go through CONNECT (HTTPS_PROXY), not as plain requests`);
      return;
    }
    const authority = parseAuthority(url.hostname, url.port ? Number(url.port) : 80);
    if (!authority?.port) {
      refuse(res, 400, `egress: cannot parse the host of ${url.host}`);
      return;
    }
    const { host, port } = authority;
    const routed = await route(attachment, host, port);
    if (!routed.ok) {
      if (routed.status === 403) denied(attachment, 'http', method, host, port, routed.reason);
      else log(entry(attachment, 'http', method, host, port, { decision: 'allowed', reason: 'resolution', error: routed.reason }));
      refuse(res, routed.status, routed.reason);
      return;
    }
    const target = egressTarget(attachment, host, port, 'http');
    const intercepted = options.interceptor ? await options.interceptor.intercepts(target) : false;
    await forwardRequest(req, res, {
      target,
      address: routed.address,
      intercepted,
      interceptor: options.interceptor,
      upstream,
      path: `${url.pathname}${url.search}`,
      log: (partial) => log(entry(attachment, 'http', method, host, port, { decision: 'allowed', reason: routed.reason, ...partial })),
    });
  };

  const onConnect = async (attachment: Attachment, req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => {});
    const authority = parseAuthority(req.url ?? '', null);
    if (!authority?.port) {
      refuseTunnel(socket, 400, `egress: CONNECT needs host:port, got ${JSON.stringify(req.url ?? '')}`);
      return;
    }
    const { host, port } = authority;
    const routed = await route(attachment, host, port);
    if (!routed.ok) {
      if (routed.status === 403) denied(attachment, 'connect', 'CONNECT', host, port, routed.reason);
      else log(entry(attachment, 'connect', 'CONNECT', host, port, { decision: 'allowed', reason: 'resolution', error: routed.reason }));
      refuseTunnel(socket, routed.status, routed.reason);
      return;
    }
    const target = egressTarget(attachment, host, port, 'https');
    if (options.interceptor && options.tls && (await options.interceptor.intercepts(target))) {
      // Terminate TLS with a leaf of the installation CA; requests go through the interceptor.
      const secureContext = await options.tls.secureContext(host);
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) socket.unshift(head);
      const tlsSocket = new TLSSocket(socket, { isServer: true, secureContext, ALPNProtocols: ['http/1.1'] });
      tlsSocket.on('error', () => socket.destroy());
      tunnelTargets.set(tlsSocket, { attachment, target, address: routed.address, reason: routed.reason });
      inner.emit('connection', tlsSocket);
      return;
    }
    tunnel(attachment, socket, head, host, port, routed.address, routed.reason);
  };

  const tunnel = (attachment: Attachment, socket: Socket, head: Buffer, host: string, port: number, address: string, reason: string) => {
    const started = Date.now();
    const upstreamSocket = connect({ host: address, port });
    attachment.sockets.add(upstreamSocket);
    let established = false;
    let failure: string | undefined;
    const timer = setTimeout(() => upstreamSocket.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })), connectTimeoutMs);
    const out = countBytes(socket);
    const back = countBytes(upstreamSocket);
    socket.pause();
    upstreamSocket.once('connect', () => {
      clearTimeout(timer);
      established = true;
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstreamSocket.write(head);
      socket.pipe(upstreamSocket);
      upstreamSocket.pipe(socket);
      socket.resume();
    });
    upstreamSocket.on('error', (error) => {
      clearTimeout(timer);
      failure = `egress failed: could not connect to ${formatAuthority(host, port)} (${errorCode(error)})`;
      if (established) socket.destroy();
      else refuseTunnel(socket, 502, failure);
    });
    socket.on('close', () => upstreamSocket.destroy());
    upstreamSocket.on('close', () => {
      attachment.sockets.delete(upstreamSocket);
      if (established) socket.end();
      log(
        entry(attachment, 'connect', 'CONNECT', host, port, {
          decision: 'allowed',
          reason,
          address,
          bytesOut: out.bytes,
          bytesIn: back.bytes,
          durationMs: Date.now() - started,
          ...(failure ? { error: failure } : {}),
        }),
      );
    });
  };

  const caFiles = (socketDir: string): Record<string, string> => {
    if (!options.tls) return {};
    writeFileSync(join(socketDir, 'ca.pem'), options.tls.caCertPem, { mode: 0o644 });
    const system = SYSTEM_CA_BUNDLES.find((path) => existsSync(path));
    const bundle = `${system ? readFileSync(system, 'utf8') : ''}\n${options.tls.caCertPem}`;
    writeFileSync(join(socketDir, 'ca-bundle.pem'), bundle, { mode: 0o644 });
    const ca = `${SANDBOX_SOCKET_DIR}/ca.pem`;
    const all = `${SANDBOX_SOCKET_DIR}/ca-bundle.pem`;
    return {
      NODE_EXTRA_CA_CERTS: ca,
      SSL_CERT_FILE: all,
      CURL_CA_BUNDLE: all,
      REQUESTS_CA_BUNDLE: all,
      PIP_CERT: all,
      GIT_SSL_CAINFO: all,
      npm_config_cafile: all,
    };
  };

  return {
    get attached() {
      return servers.size;
    },
    packageSources,
    overrideHosts(sessionId, hosts) {
      const map = new Map(Object.entries(hosts).map(([name, address]) => [name.toLowerCase(), address]));
      sessionHosts.set(sessionId, map);
      return () => {
        if (sessionHosts.get(sessionId) === map) sessionHosts.delete(sessionId);
      };
    },
    async attach(session, policy) {
      const { rules, env } = await policyRules(policy, packageSources);
      const attachment: Attachment = { session, rules, denials: [], sockets: new Set() };
      mkdirSync(options.runDir, { recursive: true, mode: 0o711 });
      chmodSync(options.runDir, 0o711);
      const socketDir = join(options.runDir, randomBytes(12).toString('hex'));
      const socketPath = join(socketDir, SOCKET_NAME);
      if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
        throw new Error(`egress: the socket path ${socketPath} is longer than ${MAX_SOCKET_PATH} bytes; choose a shorter egress run directory`);
      }
      mkdirSync(socketDir, { mode: 0o755 });
      chmodSync(socketDir, 0o755);
      const caEnv = caFiles(socketDir);
      const server = createServer((req, res) => void onRequest(attachment, req, res).catch(() => res.destroy()));
      server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
        void onConnect(attachment, req, socket, head).catch(() => socket.destroy());
      });
      server.on('upgrade', (_req: IncomingMessage, socket: Socket) => {
        refuseTunnel(socket, 501, 'egress: plain-HTTP upgrades (ws://) are not supported; use wss:// or https://');
      });
      server.on('connection', (socket: Socket) => {
        attachment.sockets.add(socket);
        socket.once('close', () => attachment.sockets.delete(socket));
      });
      server.maxConnections = options.maxConnectionsPerSandbox ?? 256;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(socketPath, () => resolve());
      });
      chmodSync(socketPath, 0o666);
      const record = { server, attachment, socketDir };
      servers.add(record);
      let detached = false;
      return {
        socketDir,
        env: proxyEnv({ ...env, ...caEnv }),
        bridge: `exec socat TCP-LISTEN:${BRIDGE_PORT},bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:${SANDBOX_SOCKET_DIR}/${SOCKET_NAME}`,
        ready: BRIDGE_READY,
        drainDenials: () => attachment.denials.splice(0),
        detach: async () => {
          if (detached) return;
          detached = true;
          servers.delete(record);
          await closeServer(record);
        },
      };
    },
    async close() {
      const all = [...servers];
      servers.clear();
      await Promise.all(all.map(closeServer));
      upstream.http?.destroy();
      upstream.https?.destroy();
    },
  };
}

async function policyRules(
  policy: NetworkPolicy,
  packageSources: () => Promise<DiscoveredSources>,
): Promise<{ rules: HostRule[] | 'unrestricted'; env: Record<string, string> }> {
  if (policy.type === 'unrestricted') return { rules: 'unrestricted', env: {} };
  const rules = policy.allowedHosts.flatMap((entry) => parseHostRule(entry, 'allowed_hosts') ?? []);
  const env: Record<string, string> = {};
  if (policy.allowPackageManagers) {
    const { sources } = await packageSources();
    rules.push(...packageRules(sources));
    // The sandbox's npm cannot read the server user's npmrc: hand it the registry that was opened, so mirrors work.
    const npm = sources.find((source) => source.origin === 'npm config registry');
    if (npm) env['npm_config_registry'] = npm.url;
  }
  // allow_mcp_servers opens nothing here: MCP servers are called by the server's MCP client, never from a sandbox.
  return { rules, env };
}

function proxyEnv(extra: Record<string, string>): Record<string, string> {
  return {
    HTTP_PROXY: PROXY_URL,
    HTTPS_PROXY: PROXY_URL,
    http_proxy: PROXY_URL,
    https_proxy: PROXY_URL,
    NO_PROXY: 'localhost,127.0.0.1,::1',
    no_proxy: 'localhost,127.0.0.1,::1',
    BOSUN_EGRESS_SOCKET: `${SANDBOX_SOCKET_DIR}/${SOCKET_NAME}`,
    ...extra,
  };
}

async function closeServer(record: { server: Server; attachment: Attachment; socketDir: string }): Promise<void> {
  const closed = new Promise<void>((resolve) => record.server.close(() => resolve()));
  for (const socket of record.attachment.sockets) socket.destroy();
  record.server.closeAllConnections();
  await closed;
  rmSync(record.socketDir, { recursive: true, force: true });
}

function egressTarget(attachment: Attachment, host: string, port: number, scheme: 'http' | 'https'): EgressTarget {
  return { sessionId: attachment.session.sessionId, environmentId: attachment.session.environmentId, host, port, scheme };
}

function entry(
  attachment: Attachment,
  kind: 'http' | 'connect',
  method: string,
  host: string,
  port: number,
  rest: Partial<EgressLogEntry> & Pick<EgressLogEntry, 'decision' | 'reason'>,
): EgressLogEntry {
  return {
    time: new Date().toISOString(),
    sessionId: attachment.session.sessionId,
    environmentId: attachment.session.environmentId,
    kind,
    method,
    host,
    port,
    ...rest,
  };
}
