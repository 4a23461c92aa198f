import type {
  BetaManagedAgentsMCPOAuthAuthResponse,
  BetaManagedAgentsRefreshHTTPResponse,
} from '@anthropic-ai/sdk/resources/beta/vaults/credentials.js';
import type { SecretValues } from '../protocol/credentialAuth.js';
import { captureResponse } from './capturedResponse.js';
import type { RefreshedTokens } from './credentialSecrets.js';

export type RefreshOutcome =
  | { status: 'succeeded'; tokens: RefreshedTokens }
  | { status: 'failed'; httpResponse: BetaManagedAgentsRefreshHTTPResponse }
  | { status: 'connect_error' }
  | { status: 'no_refresh_token' };

export interface HttpDeps {
  fetch: typeof fetch;
  timeoutMs: number;
  now: () => Date;
}

/**
 * The OAuth 2.0 refresh-token grant (RFC 6749 §6) against the credential's token endpoint,
 * authenticating the client as `token_endpoint_auth` says (§2.3.1). Never throws for a
 * network or HTTP failure: the outcome says what happened.
 */
export async function refreshAccessToken(
  auth: BetaManagedAgentsMCPOAuthAuthResponse,
  secrets: SecretValues,
  deps: HttpDeps,
): Promise<RefreshOutcome> {
  const refresh = auth.refresh;
  if (!refresh || !secrets.refresh_token) return { status: 'no_refresh_token' };
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: secrets.refresh_token });
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  const method = refresh.token_endpoint_auth.type;
  if (method === 'client_secret_basic') {
    const user = encodeURIComponent(refresh.client_id);
    const password = encodeURIComponent(secrets.client_secret ?? '');
    headers['authorization'] = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  } else {
    form.set('client_id', refresh.client_id);
    if (method === 'client_secret_post') form.set('client_secret', secrets.client_secret ?? '');
  }
  if (refresh.scope) form.set('scope', refresh.scope);
  if (refresh.resource) form.set('resource', refresh.resource);

  let response: Response;
  try {
    response = await deps.fetch(refresh.token_endpoint, {
      method: 'POST',
      headers,
      body: form.toString(),
      redirect: 'manual',
      signal: AbortSignal.timeout(deps.timeoutMs),
    });
  } catch {
    return { status: 'connect_error' };
  }
  const known = [secrets.refresh_token, secrets.client_secret ?? '', secrets.access_token ?? ''];
  if (!response.ok) return { status: 'failed', httpResponse: await captureResponse(response, known) };
  const copy = response.clone();
  const tokens = await parseTokenResponse(response, deps.now());
  if (!tokens) return { status: 'failed', httpResponse: await captureResponse(copy, known) };
  return { status: 'succeeded', tokens };
}

async function parseTokenResponse(response: Response, now: Date): Promise<RefreshedTokens | null> {
  let json: unknown;
  try {
    json = await response.json();
  } catch {
    return null;
  }
  if (typeof json !== 'object' || json === null) return null;
  const fields = json as Record<string, unknown>;
  if (typeof fields['access_token'] !== 'string' || fields['access_token'] === '') return null;
  const expiresIn = Number(fields['expires_in']);
  return {
    accessToken: fields['access_token'],
    refreshToken:
      typeof fields['refresh_token'] === 'string' && fields['refresh_token'] !== ''
        ? fields['refresh_token']
        : undefined,
    // Without expires_in the new token's lifetime is unknown.
    expiresAt:
      Number.isFinite(expiresIn) && expiresIn > 0 ? new Date(now.getTime() + expiresIn * 1000).toISOString() : null,
  };
}
