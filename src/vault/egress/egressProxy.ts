import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { refuse, refuseTunnel } from './forward.js';
import { parseAuthority } from './hostRules.js';
import { type DiscoveredSources, discoverPackageSources } from './packageHosts.js';
import { createResolver, type Resolver } from './resolver.js';
import { policyRules, reachesEntry, type Route, route, type SessionRules } from './routing.js';
import { BRIDGE_COMMAND, BRIDGE_READY, proxyEnv, writeCaFiles } from './sandboxEnv.js';
import { openTunnel } from './tunnel.js';
import type {
  EgressInterceptor,
  EgressLogEntry,
  EgressSession,
  EgressTarget,
  InterceptorAttachment,
  NetworkPolicy,
  SandboxEgress,
  TlsInterception,
} from './types.js';
import { SOCKET_NAME } from './types.js';
import { createUpstream, forwardRequest } from './upstream.js';

export { BRIDGE_READY } from './sandboxEnv.js';

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
  rules: SessionRules;
  denials: string[];
  sockets: Set<Socket>;
}

type Kind = EgressLogEntry['kind'];

const MAX_SOCKET_PATH = 107;
const MAX_DENIALS = 20;

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

  const logFor =
    (attachment: Attachment, kind: Kind, method: string, host: string, port: number, reason: string) =>
    (partial: Partial<EgressLogEntry>) =>
      log({
        time: new Date().toISOString(),
        sessionId: attachment.session.sessionId,
        environmentId: attachment.session.environmentId,
        kind,
        method,
        host,
        port,
        decision: 'allowed',
        reason,
        ...partial,
      });

  const routeFor = (attachment: Attachment, host: string, port: number) =>
    route(attachment.rules, host, port, resolver, sessionHosts.get(attachment.session.sessionId));

  /** Logs a refusal (and remembers a policy one for the tool result); the caller answers the sandbox. */
  const refused = (
    attachment: Attachment,
    kind: Kind,
    method: string,
    host: string,
    port: number,
    routed: Route & { ok: false },
  ) => {
    const write = logFor(attachment, kind, method, host, port, routed.reason);
    if (routed.status === 403) {
      if (attachment.denials.length < MAX_DENIALS && !attachment.denials.includes(routed.reason)) {
        attachment.denials.push(routed.reason);
      }
      write({ decision: 'denied' });
    } else write({ reason: routed.rule ?? 'permitted', error: routed.reason });
  };

  // Intercepted tunnels are TLS-terminated and their requests fed to this inner server.
  const tunnelled = new WeakMap<
    Socket,
    { attachment: Attachment; target: EgressTarget; address: string; reason: string }
  >();
  const inner = createServer((req, res) => {
    const tunnel = tunnelled.get(req.socket);
    if (!tunnel) return void res.destroy();
    const { attachment, target, address, reason } = tunnel;
    forwardRequest(req, res, {
      target,
      address,
      intercepted: true,
      interceptor: options.interceptor,
      upstream,
      log: logFor(attachment, 'connect', req.method ?? 'GET', target.host, target.port, reason),
    }).catch(() => res.destroy());
  });

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
    const routed = await routeFor(attachment, host, port);
    if (!routed.ok) {
      refused(attachment, 'http', method, host, port, routed);
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
      log: logFor(attachment, 'http', method, host, port, routed.reason),
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
    const routed = await routeFor(attachment, host, port);
    if (!routed.ok) {
      refused(attachment, 'connect', 'CONNECT', host, port, routed);
      refuseTunnel(socket, routed.status, routed.reason);
      return;
    }
    const target = egressTarget(attachment, host, port, 'https');
    if (options.interceptor && options.tls && (await options.interceptor.intercepts(target))) {
      // Terminate TLS with a leaf of the installation CA; each request then goes through the interceptor.
      const secureContext = await options.tls.secureContext(host);
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) socket.unshift(head);
      const tlsSocket = new TLSSocket(socket, { isServer: true, secureContext, ALPNProtocols: ['http/1.1'] });
      tlsSocket.on('error', () => socket.destroy());
      tunnelled.set(tlsSocket, { attachment, target, address: routed.address, reason: routed.reason });
      inner.emit('connection', tlsSocket);
      return;
    }
    openTunnel({
      socket,
      head,
      host,
      port,
      address: routed.address,
      connectTimeoutMs,
      track: attachment.sockets,
      log: logFor(attachment, 'connect', 'CONNECT', host, port, routed.reason),
    });
  };

  const listen = async (attachment: Attachment, socketPath: string): Promise<Server> => {
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
    // Sandboxes run as their own uids; the unguessable directory name (in a 0711 parent) is the gate.
    chmodSync(socketPath, 0o666);
    return server;
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
        throw new Error(
          `egress: the socket path ${socketPath} is longer than ${MAX_SOCKET_PATH} bytes; choose a shorter egress run directory`,
        );
      }
      mkdirSync(socketDir, { mode: 0o755 });
      chmodSync(socketDir, 0o755);
      let server: Server;
      try {
        server = await listen(attachment, socketPath);
      } catch (error) {
        rmSync(socketDir, { recursive: true, force: true });
        throw error;
      }
      const record = { server, attachment, socketDir };
      let intercepting: InterceptorAttachment | undefined;
      try {
        intercepting = await options.interceptor?.attach?.(session, { reaches: (entry) => reachesEntry(rules, entry) });
      } catch (error) {
        await closeServer(record);
        throw error;
      }
      const caEnv = options.tls ? writeCaFiles(socketDir, options.tls.caCertPem) : {};
      servers.add(record);
      let detached = false;
      return {
        socketDir,
        env: { ...intercepting?.env, ...proxyEnv({ ...env, ...caEnv }) },
        bridge: BRIDGE_COMMAND,
        ready: BRIDGE_READY,
        drainDenials: () => attachment.denials.splice(0),
        detach: async () => {
          if (detached) return;
          detached = true;
          servers.delete(record);
          intercepting?.detach();
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

async function closeServer(record: { server: Server; attachment: Attachment; socketDir: string }): Promise<void> {
  const closed = new Promise<void>((resolve) => record.server.close(() => resolve()));
  for (const socket of record.attachment.sockets) socket.destroy();
  record.server.closeAllConnections();
  await closed;
  rmSync(record.socketDir, { recursive: true, force: true });
}

function egressTarget(attachment: Attachment, host: string, port: number, scheme: 'http' | 'https'): EgressTarget {
  const { sessionId, environmentId } = attachment.session;
  return { sessionId, environmentId, host, port, scheme };
}
