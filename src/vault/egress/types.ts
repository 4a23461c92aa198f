import type { Transform } from 'node:stream';
import type { SecureContext } from 'node:tls';
import type { SessionHandsContext } from '../../core/hands.js';

/**
 * The sandbox side of the egress hook. These mirror `NetworkPolicy`, `EgressAttachment` and
 * `EgressProxy` in src/hands/egress.ts structurally, because an adapter (vault) may not import
 * another (hands); the composition root passes an `EgressProxyServer` where hands expect an
 * `EgressProxy`, and the compiler checks that the two shapes agree.
 */
export type NetworkPolicy =
  | { type: 'unrestricted' }
  | { type: 'limited'; allowedHosts: string[]; allowPackageManagers: boolean; allowMcpServers: boolean };

export type EgressSession = Pick<SessionHandsContext, 'sessionId' | 'environmentId'>;

export interface SandboxEgress {
  /** Host directory holding `proxy.sock` (and `ca.pem` under TLS interception); bound read-only at /run/bosun. */
  socketDir: string;
  /** Proxy variables for the sandbox's environment; never a credential. */
  env: Record<string, string>;
  /** A shell line run in the background inside the sandbox: the socat bridge from 127.0.0.1:3128 to the socket. */
  bridge: string;
  /**
   * A shell line to run in the foreground right after starting the bridge: returns once the bridge
   * listens (≈7 ms; bounded), so the first command cannot race it. Without it a fast first
   * command (bash's /dev/tcp, a small script) finds nothing listening on 127.0.0.1:3128.
   */
  ready: string;
  /**
   * The explanations ("egress denied: x is not in allowed_hosts") of connections refused since the
   * last call, oldest first, so the hands can append them to the tool result that caused them:
   * a refused CONNECT shows only "response 403" in most clients.
   */
  drainDenials(): string[];
  detach(): Promise<void>;
}

/** Where the socket directory appears inside the sandbox (bwrapArgs.ts: EGRESS_SOCKET_MOUNT). */
export const SANDBOX_SOCKET_DIR = '/run/bosun';
export const SOCKET_NAME = 'proxy.sock';
/** The bridge's address inside the sandbox; proxy-aware clients find it through HTTP(S)_PROXY. */
export const BRIDGE_PORT = 3128;

/** One line of the connection log: one per HTTP request or CONNECT tunnel, written when it ends. */
export interface EgressLogEntry {
  time: string;
  sessionId: string;
  environmentId: string;
  /** `http`: an absolute-form request forwarded by the proxy; `connect`: a tunnel (HTTPS and anything else). */
  kind: 'http' | 'connect';
  method: string;
  host: string;
  port: number;
  decision: 'allowed' | 'denied';
  /** Why it was allowed (`unrestricted`, `allowed_hosts: *.example.com`, `package_managers: npm`) or denied. */
  reason: string;
  /** The upstream address the proxy connected to. */
  address?: string;
  /** The upstream's response status (http, and intercepted tunnels). */
  status?: number;
  /** From the sandbox to the upstream, and back. */
  bytesOut?: number;
  bytesIn?: number;
  durationMs?: number;
  /** Why a permitted connection still failed (resolution, refused, timeout). */
  error?: string;
  /** Whether the request went through the interceptor (credential injection). */
  intercepted?: boolean;
}

/** A host that a session's traffic is bound for. */
export interface EgressTarget {
  sessionId: string;
  environmentId: string;
  host: string;
  port: number;
  scheme: 'http' | 'https';
}

/** One request on its way to an intercepted host, in full (the body is buffered, up to a cap). */
export interface InterceptedRequest {
  method: string;
  /** Absolute URL. */
  url: string;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/**
 * The vault's hook (credential injection): for the hosts it claims, each request is handed over
 * before it leaves, so headers or body can be rewritten with secrets the sandbox never sees.
 * HTTPS to a claimed host needs `EgressProxyOptions.tls`: the proxy terminates the tunnel with a
 * per-installation CA that sandboxes trust, and forwards over a fresh, verified TLS connection.
 */
export interface EgressInterceptor {
  intercepts(target: EgressTarget): boolean | Promise<boolean>;
  rewrite(request: InterceptedRequest, target: EgressTarget): Promise<InterceptedRequest>;
  /**
   * Called when a sandbox attaches, before it runs anything: what the interceptor adds to the
   * sandbox's environment (placeholders, never secrets). The proxy's own variables win over a
   * name the interceptor also sets. Throwing fails the attachment.
   */
  attach?(session: EgressSession, scope: InterceptorScope): Promise<InterceptorAttachment>;
  /**
   * For an intercepted request's response: scrubbing applied before it reaches the sandbox. The
   * proxy decodes `gzip`/`deflate`/`br` bodies for it and refuses (502) other content codings.
   */
  responseFilter?(target: EgressTarget): ResponseFilter | null;
}

/** What an interceptor may ask about the attaching sandbox's network policy. */
export interface InterceptorScope {
  /**
   * Whether the policy lets the sandbox reach at least one host that `entry` names (a bare host,
   * an IPv4 address or `*.domain`, as a credential's `allowed_hosts` holds them).
   */
  reaches(entry: string): boolean;
}

export interface InterceptorAttachment {
  env: Record<string, string>;
  /** The sandbox is gone: forget what was loaded for it. */
  detach(): void;
}

export interface ResponseFilter {
  /** Applied to the status message and every header value (latin1 strings, as on the wire). */
  scrubText(text: string): string;
  /** A fresh stream the decoded response body passes through. */
  scrubBody(): Transform;
}

/** The per-installation CA used to terminate TLS for intercepted hosts. */
export interface TlsInterception {
  /** PEM of the CA certificate; written to `ca.pem` next to the socket and trusted by the sandbox. */
  caCertPem: string;
  /** A server context with a leaf certificate for `host`, signed by the CA (cache it). */
  secureContext(host: string): Promise<SecureContext>;
}
