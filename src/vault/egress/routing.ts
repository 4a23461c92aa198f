import { addressRefusal } from './addressGuard.js';
import { errorCode } from './forward.js';
import { formatAuthority, formatRule, type HostRule, matchRule, parseHostRule } from './hostRules.js';
import { type DiscoveredSources, packageRules } from './packageHosts.js';
import type { Resolver } from './resolver.js';
import type { NetworkPolicy } from './types.js';

/** What one sandbox may reach: host rules, or anything public. */
export type SessionRules = HostRule[] | 'unrestricted';

export type Route =
  | { ok: true; address: string; reason: string }
  /** 403: the policy refuses; 502: permitted (by `rule`), but the name does not resolve. */
  | { ok: false; status: 403 | 502; reason: string; rule?: string };

/**
 * The rules of a policy, and what the sandbox's environment needs to match them. `allowed_hosts`
 * entries that cannot be parsed allow nothing; `allow_package_managers` adds the configured
 * package hosts; `allow_mcp_servers` adds nothing, since MCP servers are called by the server's
 * MCP client, never from a sandbox.
 */
export async function policyRules(
  policy: NetworkPolicy,
  packageSources: () => Promise<DiscoveredSources>,
): Promise<{ rules: SessionRules; env: Record<string, string> }> {
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
  return { rules, env };
}

/**
 * Decides on the canonical host and port, then resolves the name and checks the addresses; the
 * address returned is the one to dial (no second lookup a DNS answer could change). `pinned` are
 * per-session names (the self-test), trusted like the resolver's override.
 */
export async function route(
  rules: SessionRules,
  host: string,
  port: number,
  resolver: Resolver,
  pinned: ReadonlyMap<string, string> | undefined,
): Promise<Route> {
  let reason: string;
  let explicit: boolean;
  if (rules === 'unrestricted') {
    reason = 'unrestricted';
    explicit = false;
  } else {
    const rule = matchRule(rules, host, port);
    if (!rule) {
      const hostListed = rules.some((r) => matchRule([{ ...r, port: null }], host, port));
      return {
        ok: false,
        status: 403,
        reason: `egress denied: ${formatAuthority(host, hostListed ? port : null)} is not in allowed_hosts`,
      };
    }
    reason = formatRule(rule);
    explicit = true;
  }
  let resolution;
  try {
    const address = pinned?.get(host);
    resolution = address ? { addresses: [address], source: 'hosts' as const } : await resolver.resolve(host);
  } catch (error) {
    return {
      ok: false,
      status: 502,
      reason: `egress failed: ${host} could not be resolved (${errorCode(error)})`,
      rule: reason,
    };
  }
  let refusal: { address: string; what: string } | null = null;
  for (const address of resolution.addresses) {
    const what = addressRefusal(address, { trusted: resolution.source === 'hosts', explicitlyAllowed: explicit });
    if (!what) return { ok: true, address, reason };
    refusal ??= { address, what };
  }
  if (!refusal) return { ok: false, status: 502, reason: `egress failed: ${host} has no address`, rule: reason };
  const subject =
    resolution.source === 'literal'
      ? `${refusal.address} is`
      : `${formatAuthority(host)} resolves to ${refusal.address},`;
  return { ok: false, status: 403, reason: `egress denied: ${subject} ${refusal.what}, which sandboxes may not reach` };
}

/**
 * Whether `rules` let a sandbox reach at least one host that `entry` names: an exact host is
 * reached when a rule matches it on some port; `*.d` when some subdomain of `d` is. An entry that
 * does not parse reaches nothing.
 */
export function reachesEntry(rules: SessionRules, entry: string): boolean {
  if (rules === 'unrestricted') return true;
  const wanted = parseHostRule(entry, 'credential');
  if (!wanted) return false;
  return rules.some((rule) => {
    if (!wanted.wildcard) return rule.wildcard ? wanted.host.endsWith(`.${rule.host}`) : wanted.host === rule.host;
    if (!rule.wildcard) return rule.host.endsWith(`.${wanted.host}`);
    // two subtrees share a host unless they are disjoint
    return wanted.host === rule.host || wanted.host.endsWith(`.${rule.host}`) || rule.host.endsWith(`.${wanted.host}`);
  });
}
