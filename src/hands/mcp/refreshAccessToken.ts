import { refreshGrantRequest, tokensFromResponse } from '../../protocol/oauthRefreshGrant.js';
import type { McpOAuthRefresh, RefreshedTokens } from './mcpCredentials.js';

export type RefreshOutcome = { ok: true; tokens: RefreshedTokens } | { ok: false; reason: string };

export interface RefreshDeps {
  fetch: typeof fetch;
  timeoutMs: number;
  now: () => number;
}

/**
 * The refresh-token grant (`protocol/oauthRefreshGrant.ts`) for an MCP server mid-session.
 * Never throws; `reason` is safe to show (no token, no response body).
 */
export async function refreshAccessToken(refresh: McpOAuthRefresh, deps: RefreshDeps): Promise<RefreshOutcome> {
  const { headers, body: form } = refreshGrantRequest(refresh);
  let response: Response;
  try {
    response = await deps.fetch(refresh.tokenEndpoint, {
      method: 'POST',
      headers,
      body: form,
      redirect: 'manual',
      signal: AbortSignal.timeout(deps.timeoutMs),
    });
  } catch {
    return { ok: false, reason: 'the token endpoint could not be reached' };
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  if (!response.ok) {
    const code = typeof fields['error'] === 'string' && /^[\w.-]{1,64}$/.test(fields['error']) ? fields['error'] : '';
    return { ok: false, reason: `the token endpoint answered HTTP ${response.status}${code ? ` ${code}` : ''}` };
  }
  const tokens = tokensFromResponse(fields, deps.now());
  if (!tokens) return { ok: false, reason: 'the token endpoint answered without an access_token' };
  return { ok: true, tokens };
}
