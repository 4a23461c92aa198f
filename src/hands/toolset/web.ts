import type { SessionHandsContext } from '../../core/hands.js';
import { allowsEgress, networkPolicy } from '../egress.js';
import { type ToolDefinition, optionalString } from './tool.js';
import { abortText, ToolError } from './toolError.js';
import {
  canonicalHost,
  checkDomainRules,
  parseFetchUrl,
  passesDomainRules,
  type WebToolSettings,
  webToolSettings,
} from './webFetchConfig.js';
import { type FetchReply, fetchInSandbox } from './webFetchSandbox.js';
import { classifyBody, decodeBody, htmlToText, mediaType, truncateToTokens } from './webFetchText.js';

/** Text put in context when the agent sets no `max_content_tokens`: ≈100 KB, bash's output cap. */
export const DEFAULT_MAX_CONTENT_TOKENS = 25_000;
/** Bytes downloaded at most; a longer body is cut (HTML shrinks a lot on the way to text). */
export const MAX_FETCH_BYTES = 10 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 5;
/** How much of an error page's text goes into the error result. */
const ERROR_BODY_CHARS = 2_000;

/**
 * `web_fetch`: an HTTP GET from inside the session's sandbox, through the egress proxy, so the
 * environment's allow-list decides what is reachable and refusals are explained. The agent's
 * `allowed_domains`/`blocked_domains` are checked first (and on every redirect), HTML becomes
 * readable text, and the text is cut to `max_content_tokens`.
 */
export const webFetchTool: ToolDefinition = {
  spec: {
    name: 'web_fetch',
    description:
      'Fetch the content of an http(s) URL and return it as text (HTML is converted to readable text with ' +
      'Markdown links). Only hosts the environment allows can be reached.',
    inputSchema: {
      type: 'object',
      properties: { url: { type: 'string', description: 'The URL to fetch' } },
      required: ['url'],
    },
  },
  readOnly: true,
  run: async (input, ctx) => {
    const raw = optionalString(input, 'web_fetch', 'url');
    if (!raw) throw new ToolError('web_fetch: url is required');
    const settings = webToolSettings(ctx.session, 'web_fetch');
    let url = parseFetchUrl(raw);
    checkDomainRules(url, settings, 'web_fetch');
    requireNetwork(ctx.session);
    const sandbox = await ctx.sandbox();
    const timeoutMs = Math.min(FETCH_TIMEOUT_MS, ctx.maxCallMs);
    // Without domain rules curl follows redirects itself (the proxy checks every hop); with
    // them each hop is checked here before it is requested.
    const follow = !settings.allowedDomains && !settings.blockedDomains;
    let reply: FetchReply;
    for (let hops = 0; ; hops++) {
      reply = await fetchInSandbox(sandbox, url, { timeoutMs, maxBytes: MAX_FETCH_BYTES, follow, signal: ctx.signal });
      if (follow || !isRedirect(reply.status) || !reply.redirectUrl) break;
      if (hops === MAX_REDIRECTS) throw new ToolError(`web_fetch: too many redirects (at most ${MAX_REDIRECTS})`);
      url = parseRedirect(reply.redirectUrl, url);
      checkDomainRules(url, settings, 'web_fetch');
    }
    return render(reply, settings);
  },
};

function requireNetwork(session: SessionHandsContext): void {
  const policy = networkPolicy(session.environmentConfig);
  if (allowsEgress(policy)) return;
  const why =
    session.environmentConfig['type'] === 'self_hosted'
      ? 'self_hosted environments get no network on this server'
      : 'its networking is limited and allows no hosts';
  throw new ToolError(
    `web_fetch: no network access in this environment (${why}); allow the host in the environment's ` +
      'networking.allowed_hosts',
  );
}

const isRedirect = (status: number) => status >= 300 && status < 400;

function parseRedirect(location: string, from: URL): URL {
  try {
    return parseFetchUrl(new URL(location, from).href);
  } catch (error) {
    if (error instanceof ToolError) throw new ToolError(`web_fetch: ${from.href} redirects to ${location}: refused`);
    throw error;
  }
}

function render(reply: FetchReply, settings: WebToolSettings): string {
  const finalUrl = safeUrl(reply.finalUrl);
  const kind = classifyBody(reply.contentType, reply.body);
  const ok = reply.status >= 200 && reply.status < 300;
  if (kind === 'binary') {
    const type = mediaType(reply.contentType) || 'binary data';
    if (!ok) throw new ToolError(`web_fetch: ${reply.finalUrl} answered HTTP ${reply.status} (${type})`);
    throw new ToolError(
      `web_fetch: ${reply.finalUrl} is ${type}, which web_fetch cannot return as text; ` +
        'use bash (curl -o) to download it into the workspace',
    );
  }
  const decoded = decodeBody(reply.body, reply.contentType, kind);
  const { title, text } =
    kind === 'html' ? htmlToText(decoded, finalUrl ?? undefined) : { title: null, text: decoded.trim() };
  if (!ok) {
    const excerpt = text.length > ERROR_BODY_CHARS ? `${text.slice(0, ERROR_BODY_CHARS)}…` : text;
    if (reply.status === 403 && /^egress denied:/.test(excerpt)) {
      // The proxy's own refusal: its explanation is appended to the result by the hands.
      throw new ToolError(`web_fetch: the egress proxy refused ${reply.finalUrl}`);
    }
    if (isRedirect(reply.status)) {
      throw new ToolError(`web_fetch: ${reply.finalUrl} answered HTTP ${reply.status} without a usable Location`);
    }
    throw new ToolError(`web_fetch: ${reply.finalUrl} answered HTTP ${reply.status}${excerpt ? `\n\n${excerpt}` : ''}`);
  }
  const maxTokens = settings.maxContentTokens ?? DEFAULT_MAX_CONTENT_TOKENS;
  const cut = truncateToTokens(text, maxTokens);
  const header = [
    `URL: ${reply.finalUrl}`,
    ...(title ? [`Title: ${title}`] : []),
    `Content-Type: ${reply.contentType || 'unknown'}`,
  ].join('\n');
  const notes: string[] = [];
  if (cut.truncated) {
    notes.push(
      `[content truncated to max_content_tokens=${maxTokens} (≈${maxTokens * 4} characters) of ≈${Math.ceil(text.length / 4)} tokens]`,
    );
  } else if (reply.truncated) {
    notes.push(`[download stopped at ${MAX_FETCH_BYTES} bytes: the page is longer]`);
  }
  return [header, '', cut.text || '(empty)', ...(notes.length > 0 ? ['', ...notes] : [])].join('\n');
}

function safeUrl(href: string): URL | null {
  try {
    return new URL(href);
  } catch {
    return null;
  }
}

/** One search hit, as a provider returns it. */
export interface WebSearchResult {
  url: string;
  title: string;
  snippet?: string;
  /** How old the page is, as the provider words it (e.g. "2 days ago"), if known. */
  pageAge?: string;
}

export interface WebSearchRequest {
  query: string;
  /** The agent's web_search `allowed_domains`/`blocked_domains` (results are filtered again here). */
  allowedDomains: string[] | null;
  blockedDomains: string[] | null;
  /** The agent's `user_location`, for localised results, when set. */
  userLocation: Record<string, unknown> | null;
  signal: AbortSignal;
}

/**
 * Where web_search gets its results: an operator-configured search API called from the server
 * (it is not sandbox egress). None is built in; without one, web_search is a clear error.
 */
export interface WebSearchProvider {
  /** Shown in errors, e.g. "brave". */
  readonly name: string;
  search(request: WebSearchRequest): Promise<WebSearchResult[]>;
}

export const webSearchTool: ToolDefinition = {
  spec: {
    name: 'web_search',
    description: 'Search the web.',
    inputSchema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
  },
  readOnly: true,
  run: async (input, ctx) => {
    const provider = ctx.webSearch;
    if (!provider) throw new ToolError('web_search is disabled: no search provider configured');
    const query = optionalString(input, 'web_search', 'query')?.trim();
    if (!query) throw new ToolError('web_search: query is required');
    const settings = webToolSettings(ctx.session, 'web_search');
    let results: WebSearchResult[];
    try {
      results = await provider.search({
        query,
        allowedDomains: settings.allowedDomains,
        blockedDomains: settings.blockedDomains,
        userLocation: userLocation(ctx.session),
        signal: ctx.signal,
      });
    } catch (error) {
      if (ctx.signal.aborted) throw new ToolError(`web_search: ${abortText(ctx.signal)}`);
      throw new ToolError(
        `web_search: the search provider (${provider.name}) failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const kept = results.filter((r) => {
      const url = safeUrl(r.url);
      return (
        url !== null &&
        (url.protocol === 'http:' || url.protocol === 'https:') &&
        passesDomainRules(canonicalHost(url), settings)
      );
    });
    if (kept.length === 0) return `No results for ${JSON.stringify(query)}.`;
    return kept
      .map((r, i) =>
        [
          `${i + 1}. ${r.title.trim() || r.url}`,
          `   ${r.url}`,
          ...(r.pageAge ? [`   (${r.pageAge})`] : []),
          ...(r.snippet?.trim() ? [`   ${r.snippet.trim().replace(/\s+/g, ' ')}`] : []),
        ].join('\n'),
      )
      .join('\n\n');
  },
};

function userLocation(session: SessionHandsContext): Record<string, unknown> | null {
  for (const tool of session.agentTools ?? []) {
    if (tool.type !== 'agent_toolset_20260401' || !Array.isArray(tool.configs)) continue;
    for (const config of tool.configs) {
      if (config.name === 'web_search' && 'user_location' in config && config.user_location) {
        return { ...config.user_location };
      }
    }
  }
  return null;
}
