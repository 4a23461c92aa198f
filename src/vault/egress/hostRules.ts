import { isIP } from 'node:net';

/** One entry of a session's allow-list. */
export interface HostRule {
  /** Canonical host (lower case, punycode, no trailing dot, bare IPv6); for a wildcard, the parent domain. */
  host: string;
  /** `*.example.com`: any subdomain of `host` (at any depth), not `host` itself. */
  wildcard: boolean;
  /** Only this port; null: any port. */
  port: number | null;
  /** Where the rule came from, for the log: `allowed_hosts`, `package_managers: npm`, … */
  source: string;
}

/**
 * Parses an `allowed_hosts` entry: `api.example.com`, `api.example.com:8443`, `*.example.com`, an IP
 * address, or a URL (`https://api.example.com/v1`: its host and explicit port count). The SDK
 * documents entries only as "domains the container can reach"; the wildcard is a Bosun reading.
 * Anything unparseable allows nothing (null).
 */
export function parseHostRule(entry: string, source: string): HostRule | null {
  let text = entry.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text);
  if (scheme) text = text.slice(scheme[0].length);
  text = text.replace(/[/?#].*$/s, '');
  const wildcard = text.startsWith('*.');
  if (wildcard) text = text.slice(2);
  const authority = parseAuthority(text, null);
  if (!authority || (wildcard && isIP(authority.host) !== 0)) return null;
  return { host: authority.host, wildcard, port: authority.port, source };
}

/**
 * `host`, `host:port`, `[v6]` or `[v6]:port` → canonical host and port (`defaultPort` when absent).
 * A CONNECT target always carries a port; pass null to accept its absence.
 */
export function parseAuthority(text: string, defaultPort: number | null): { host: string; port: number | null } | null {
  let host = text;
  let port: number | null = defaultPort;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) {
    host = v6[1] ?? '';
    if (v6[2] !== undefined) port = Number(v6[2]);
  } else if (isIP(text) !== 6) {
    const colon = text.lastIndexOf(':');
    if (colon >= 0) {
      if (!/^\d+$/.test(text.slice(colon + 1))) return null;
      host = text.slice(0, colon);
      port = Number(text.slice(colon + 1));
    }
  }
  if (port !== null && (!Number.isInteger(port) || port < 1 || port > 65_535)) return null;
  const canonical = canonicalHost(host);
  return canonical ? { host: canonical, port } : null;
}

/** Lower case, punycode, IPv4 shorthand expanded (`0x7f.1` → 127.0.0.1), no trailing dot, bare IPv6. */
export function canonicalHost(host: string): string | null {
  if (host === '' || host.length > 253) return null;
  // userinfo, paths and percent-escapes would be decoded by the URL parser into another host
  if (/[\s@/\\?#%]/.test(host)) return null;
  if (isIP(host) === 6) host = `[${host}]`;
  let hostname: string;
  try {
    hostname = new URL(`http://${host}/`).hostname;
  } catch {
    return null;
  }
  if (hostname.startsWith('[')) return hostname.slice(1, -1);
  hostname = hostname.replace(/\.$/, '');
  // `*`, `_` and the like survive URL parsing; a host name has letters, digits, hyphens and dots.
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(hostname)) return null;
  return hostname;
}

/** The first rule that allows `host:port`, or null. `host` must be canonical. */
export function matchRule(rules: readonly HostRule[], host: string, port: number): HostRule | null {
  for (const rule of rules) {
    if (rule.port !== null && rule.port !== port) continue;
    if (rule.wildcard ? host.endsWith(`.${rule.host}`) : host === rule.host) return rule;
  }
  return null;
}

/** `example.com`, `example.com:8443`, `[::1]:80` — for messages and the log. */
export function formatAuthority(host: string, port?: number | null): string {
  const shown = isIP(host) === 6 ? `[${host}]` : host;
  return port === undefined || port === null ? shown : `${shown}:${port}`;
}

export function formatRule(rule: HostRule): string {
  return `${rule.source}: ${rule.wildcard ? '*.' : ''}${formatAuthority(rule.host, rule.port)}`;
}
