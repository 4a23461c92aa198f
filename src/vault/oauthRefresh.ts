import type {
  BetaManagedAgentsMCPOAuthAuthResponse,
  BetaManagedAgentsRefreshHTTPResponse,
} from '@anthropic-ai/sdk/resources/beta/vaults/credentials.js';
import type { SecretValues } from '../protocol/credentialAuth.js';
import { captureResponse } from './capturedResponse.js';
import { type RefreshedTokens, refreshGrantRequest, tokensFromResponse } from '../protocol/oauthRefreshGrant.js';

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
  const { headers, body } = refreshGrantRequest({
    clientId: refresh.client_id,
    clientSecret: secrets.client_secret,
    authMethod: refresh.token_endpoint_auth.type,
    refreshToken: secrets.refresh_token,
    scope: refresh.scope,
    resource: refresh.resource,
  });

  let response: Response;
  try {
    response = await deps.fetch(refresh.token_endpoint, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(deps.timeoutMs),
    });
  } catch {
    return { status: 'connect_error' };
  }
  const known = [secrets.refresh_token, secrets.client_secret ?? '', secrets.access_token ?? ''];
  if (!response.ok) return { status: 'failed', httpResponse: await captureResponse(response, known) };
  const copy = response.clone();
  const tokens = tokensFromResponse(await response.json().catch(() => null), deps.now().getTime());
  if (!tokens) return { status: 'failed', httpResponse: await captureResponse(copy, known) };
  return { status: 'succeeded', tokens };
}
