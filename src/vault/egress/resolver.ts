import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** Where a host's addresses came from: the operator's override is trusted, DNS and literals are checked. */
export interface Resolution {
  addresses: string[];
  source: 'hosts' | 'dns' | 'literal';
}

/**
 * Sandboxes have no DNS: the proxy resolves names for them. `hosts` overrides resolution per
 * name (tests map fake names to 127.0.0.1; operators can pin internal names), and is trusted.
 */
export interface Resolver {
  resolve(host: string): Promise<Resolution>;
}

export interface ResolverOptions {
  hosts?: Record<string, string | readonly string[]>;
  /** Resolution for names the override does not know: the system resolver (getaddrinfo) by default. */
  lookup?: (host: string) => Promise<string[]>;
}

export function createResolver(options: ResolverOptions = {}): Resolver {
  const fallback = options.lookup ?? systemLookup;
  const overrides = new Map<string, string[]>();
  for (const [name, value] of Object.entries(options.hosts ?? {})) {
    const addresses = typeof value === 'string' ? [value] : [...value];
    const bad = addresses.find((address) => isIP(address) === 0);
    if (bad !== undefined) throw new Error(`egress hosts override: ${name} → ${bad} is not an IP address`);
    overrides.set(name.toLowerCase().replace(/\.$/, ''), addresses);
  }
  return {
    async resolve(host) {
      const pinned = overrides.get(host);
      if (pinned) return { addresses: pinned, source: 'hosts' };
      if (isIP(host) !== 0) return { addresses: [host], source: 'literal' };
      return { addresses: await fallback(host), source: 'dns' };
    },
  };
}

async function systemLookup(host: string): Promise<string[]> {
  const answers = await lookup(host, { all: true, verbatim: true });
  return answers.map((answer) => answer.address);
}
