import type { McpOAuthRefresh, RefreshedTokens } from './mcpCredentials.js';

export type RefreshOutcome = { ok: true; tokens: RefreshedTokens } | { ok: false; reason: string };

export interface RefreshDeps {
  fetch: typeof fetch;
  timeoutMs: number;
  now: () => number;
}

/**
 * The refresh-token grant (RFC 6749 §6) with the client authentication the credential names
 * (§2.3.1: Basic credentials are form-encoded first). Mirrors `vault/oauthRefresh.ts`, which the
 * hands may not import. Never throws; `reason` is safe to show (no token, no response body).
 */
export async function refreshAccessToken(refresh: McpOAuthRefresh, deps: RefreshDeps): Promise<RefreshOutcome> {
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh.refreshToken });
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (refresh.authMethod === 'client_secret_basic') {
    const user = formEncode(refresh.clientId);
    const password = formEncode(refresh.clientSecret ?? '');
    headers['authorization'] = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  } else {
    form.set('client_id', refresh.clientId);
    if (refresh.authMethod === 'client_secret_post') form.set('client_secret', refresh.clientSecret ?? '');
  }
  if (refresh.scope) form.set('scope', refresh.scope);
  if (refresh.resource) form.set('resource', refresh.resource);

  let response: Response;
  try {
    response = await deps.fetch(refresh.tokenEndpoint, {
      method: 'POST',
      headers,
      body: form.toString(),
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
  const accessToken = fields['access_token'];
  if (typeof accessToken !== 'string' || accessToken === '') {
    return { ok: false, reason: 'the token endpoint answered without an access_token' };
  }
  const refreshToken = fields['refresh_token'];
  const expiresIn = Number(fields['expires_in']);
  return {
    ok: true,
    tokens: {
      accessToken,
      refreshToken: typeof refreshToken === 'string' && refreshToken !== '' ? refreshToken : undefined,
      expiresAt:
        Number.isFinite(expiresIn) && expiresIn > 0 ? new Date(deps.now() + expiresIn * 1000).toISOString() : null,
    },
  };
}

/** application/x-www-form-urlencoded, as RFC 6749 §2.3.1 asks for Basic client credentials. */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
