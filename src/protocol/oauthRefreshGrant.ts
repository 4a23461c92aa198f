/**
 * The OAuth 2.0 refresh-token grant (RFC 6749 §6) on the wire: the request a token endpoint
 * expects, and the tokens read from its answer. One definition for the two callers that may not
 * import each other: the vault (credential validation and session start) and the hands (an MCP
 * server that answers 401 mid-session).
 */

export interface RefreshGrant {
  clientId: string;
  /** Required by `client_secret_basic` and `client_secret_post`. */
  clientSecret?: string | null | undefined;
  authMethod: 'none' | 'client_secret_basic' | 'client_secret_post';
  refreshToken: string;
  scope?: string | null | undefined;
  /** RFC 8707 resource indicator. */
  resource?: string | null | undefined;
}

export interface RefreshedTokens {
  accessToken: string;
  /** Set when the token endpoint rotated the refresh token. */
  refreshToken?: string | undefined;
  /** Null when the endpoint did not say (`expires_in` absent): the lifetime is unknown. */
  expiresAt: string | null;
}

/** Headers and form body of the grant, with the client authentication the credential names. */
export function refreshGrantRequest(grant: RefreshGrant): { headers: Record<string, string>; body: string } {
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: grant.refreshToken });
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (grant.authMethod === 'client_secret_basic') {
    // §2.3.1: the client id and secret are form-encoded before they are joined and base64-encoded.
    const credentials = `${formEncode(grant.clientId)}:${formEncode(grant.clientSecret ?? '')}`;
    headers['authorization'] = `Basic ${btoa(credentials)}`;
  } else {
    form.set('client_id', grant.clientId);
    if (grant.authMethod === 'client_secret_post') form.set('client_secret', grant.clientSecret ?? '');
  }
  if (grant.scope) form.set('scope', grant.scope);
  if (grant.resource) form.set('resource', grant.resource);
  return { headers, body: form.toString() };
}

/** The tokens of a successful answer (RFC 6749 §5.1), or null when it carries no access token. */
export function tokensFromResponse(body: unknown, nowMs: number): RefreshedTokens | null {
  if (typeof body !== 'object' || body === null) return null;
  const fields = body as Record<string, unknown>;
  const accessToken = fields['access_token'];
  if (typeof accessToken !== 'string' || accessToken === '') return null;
  const refreshToken = fields['refresh_token'];
  const expiresIn = Number(fields['expires_in']);
  return {
    accessToken,
    refreshToken: typeof refreshToken === 'string' && refreshToken !== '' ? refreshToken : undefined,
    expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? new Date(nowMs + expiresIn * 1000).toISOString() : null,
  };
}

/** application/x-www-form-urlencoded (spaces as `+`), as §2.3.1 asks for Basic client credentials. */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
