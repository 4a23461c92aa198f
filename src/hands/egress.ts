import type { SessionHandsContext } from '../core/hands.js';

/** What an environment's `networking` asks for, read from its stored config. */
export type NetworkPolicy =
  | { type: 'unrestricted' }
  | { type: 'limited'; allowedHosts: string[]; allowPackageManagers: boolean; allowMcpServers: boolean };

/**
 * The hook for the egress proxy (a later step). A sandbox never gets a network interface other
 * than `lo`: when an environment allows anything, the proxy attaches a per-sandbox Unix socket
 * that bubblewrap binds read-only at /run/bosun, and a bridge started inside the sandbox (socat)
 * listens on 127.0.0.1:3128 for proxy-aware clients. The socket is the sandbox's identity at the
 * proxy, which enforces the allow-list and injects credentials; nothing secret enters the sandbox.
 */
export interface EgressProxy {
  attach(session: SessionHandsContext, policy: NetworkPolicy): Promise<EgressAttachment>;
}

export interface EgressAttachment {
  /** Host directory holding the proxy socket; bound read-only at /run/bosun. */
  socketDir: string;
  /** e.g. HTTP_PROXY/HTTPS_PROXY/NO_PROXY, set in the sandbox's environment. */
  env: Record<string, string>;
  /** A shell line run in the background before the first command, e.g. the socat bridge. */
  bridge: string;
  /**
   * A shell line to run in the foreground right after starting `bridge`: it returns once the
   * bridge listens (≈7 ms; bounded), so a fast first command (bash's /dev/tcp) cannot race it.
   */
  ready?: string;
  /**
   * Explanations of connections refused since the last call ("egress denied: x is not in
   * allowed_hosts"), appended to the tool result that caused them: clients often show only a 403.
   */
  drainDenials?(): string[];
  detach(): Promise<void>;
}

/** Whether the policy lets anything out at all; `limited` with nothing allowed means no network. */
export function allowsEgress(policy: NetworkPolicy): boolean {
  if (policy.type === 'unrestricted') return true;
  return policy.allowedHosts.length > 0 || policy.allowPackageManagers || policy.allowMcpServers;
}

/** `cloud` configs carry `networking`; a self-hosted or unreadable one gets no network here. */
export function networkPolicy(environmentConfig: Record<string, unknown>): NetworkPolicy {
  const networking = environmentConfig['networking'];
  if (typeof networking !== 'object' || networking === null) {
    return environmentConfig['type'] === 'cloud' ? { type: 'unrestricted' } : noNetwork();
  }
  const n = networking as Record<string, unknown>;
  if (n['type'] === 'unrestricted') return { type: 'unrestricted' };
  const hosts = Array.isArray(n['allowed_hosts'])
    ? n['allowed_hosts'].filter((h): h is string => typeof h === 'string')
    : [];
  return {
    type: 'limited',
    allowedHosts: hosts,
    allowPackageManagers: n['allow_package_managers'] === true,
    allowMcpServers: n['allow_mcp_servers'] === true,
  };
}

const noNetwork = (): NetworkPolicy => ({
  type: 'limited',
  allowedHosts: [],
  allowPackageManagers: false,
  allowMcpServers: false,
});
