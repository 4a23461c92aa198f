import { domainToASCII } from 'node:url';
import type { SessionHandsContext } from '../../core/hands.js';
import { ToolError } from './toolError.js';

/** What the agent's `web_fetch`/`web_search` config says, read defensively from its snapshot. */
export interface WebToolSettings {
  allowedDomains: string[] | null;
  blockedDomains: string[] | null;
  /** web_fetch only: the cap on text put in context, in tokens (≈4 characters each). */
  maxContentTokens: number | null;
}

/**
 * The agent's settings for one tool of `agent_toolset_20260401` (the SDK's resolved
 * `BetaManagedAgentsWebFetchToolConfig` / `...WebSearchToolConfig`). No snapshot, no entry or
 * malformed fields mean the defaults: every domain, the default content cap.
 */
export function webToolSettings(session: SessionHandsContext, name: 'web_fetch' | 'web_search'): WebToolSettings {
  const config = toolsetConfig(session, name);
  return {
    allowedDomains: domainList(config?.['allowed_domains']),
    blockedDomains: domainList(config?.['blocked_domains']),
    maxContentTokens: positiveInteger(config?.['max_content_tokens']),
  };
}

function toolsetConfig(session: SessionHandsContext, name: string): Record<string, unknown> | undefined {
  for (const tool of session.agentTools ?? []) {
    if (tool.type !== 'agent_toolset_20260401' || !Array.isArray(tool.configs)) continue;
    for (const config of tool.configs as unknown[]) {
      if (typeof config === 'object' && config !== null && (config as { name?: unknown }).name === name) {
        return config as Record<string, unknown>;
      }
    }
  }
  return undefined;
}

function domainList(value: unknown): string[] | null {
  if (!Array.isArray(value)) return null;
  const domains = value.filter((d): d is string => typeof d === 'string').map(canonicalDomain);
  return domains.length > 0 ? domains : null;
}

function positiveInteger(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

/** Lower case, punycode, no trailing dot: the form `URL.hostname` has, so spellings compare equal. */
export function canonicalDomain(domain: string): string {
  const trimmed = domain.trim().replace(/\.$/, '').toLowerCase();
  return domainToASCII(trimmed) || trimmed;
}

/** A URL's host in canonical form (`[…]` kept for IPv6, as the SDK's domain lists would write it). */
export function canonicalHost(url: URL): string {
  return url.hostname.replace(/\.$/, '');
}

/** "one of these domains or a subdomain of one" (the SDK's wording for both lists). */
function matchingDomain(host: string, domains: string[]): string | undefined {
  return domains.find((d) => host === d || host.endsWith(`.${d}`));
}

/** The agent's domain rules, checked before anything is fetched and again for every redirect. */
export function checkDomainRules(url: URL, settings: WebToolSettings, tool: string): void {
  const host = canonicalHost(url);
  const blocked = settings.blockedDomains && matchingDomain(host, settings.blockedDomains);
  if (blocked) {
    throw new ToolError(
      `${tool}: ${host} is blocked by this agent's ${tool} blocked_domains (rule: ${blocked}); nothing was fetched`,
    );
  }
  if (settings.allowedDomains && !matchingDomain(host, settings.allowedDomains)) {
    throw new ToolError(
      `${tool}: ${host} is not in this agent's ${tool} allowed_domains (${settings.allowedDomains.join(', ')}); ` +
        'nothing was fetched',
    );
  }
}

/** Whether a host passes the rules (web_search filters its results with this). */
export function passesDomainRules(host: string, settings: WebToolSettings): boolean {
  const h = canonicalDomain(host);
  if (settings.blockedDomains && matchingDomain(h, settings.blockedDomains)) return false;
  return !settings.allowedDomains || matchingDomain(h, settings.allowedDomains) !== undefined;
}

export const MAX_URL_LENGTH = 2048;

/**
 * The URL the model asked for: http or https only (a bare `host/path` is taken as https), at
 * most 2048 characters, no fragment (it never reaches the server).
 */
export function parseFetchUrl(raw: string, tool = 'web_fetch'): URL {
  const trimmed = raw.trim();
  if (trimmed.length > MAX_URL_LENGTH) {
    throw new ToolError(`${tool}: the URL is too long (${trimmed.length} characters; at most ${MAX_URL_LENGTH})`);
  }
  const withScheme =
    /^[a-z][a-z0-9+.-]*:/i.test(trimmed) && !/^[^/:]+:\d/.test(trimmed) ? trimmed : `https://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ToolError(`${tool}: ${JSON.stringify(raw)} is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ToolError(`${tool}: only http and https URLs can be fetched, not ${url.protocol.slice(0, -1)}`);
  }
  if (!url.hostname) throw new ToolError(`${tool}: ${JSON.stringify(raw)} has no host`);
  url.hash = '';
  return url;
}
