import type { RefreshedTokens } from '../../protocol/oauthRefreshGrant.js';
/**
 * How the MCP client gets the session's credential for a server. The vault implements this
 * (wired in `server/`): it opens the session's `static_bearer` or `mcp_oauth` credential whose
 * `mcp_server_url` matches. Values returned here stay in the server process: never log them,
 * never put them in an event or a model request.
 */
export interface McpCredentialSource {
  /** The credential for `serverUrl` (the URL as the agent declares it), or null if the session has none. */
  forServer(sessionId: string, serverUrl: string): Promise<McpAuth | null>;
  /**
   * Persists tokens the MCP client obtained by refreshing. A failure is logged and the call goes
   * on with the new token; it only costs the next session a refresh (or, if the token endpoint
   * rotated the refresh token, a re-authorization).
   */
  onTokenRefreshed?(sessionId: string, serverUrl: string, tokens: RefreshedTokens): Promise<void>;
}

export type McpAuth =
  /** `static_bearer`: sent as is; a 401 can only be fixed by rotating it in the vault. */
  | { type: 'bearer'; token: string }
  /** `mcp_oauth`: refreshed when `expiresAt` has passed or the server answers 401. */
  | { type: 'oauth'; accessToken: string; expiresAt?: string | null; refresh?: McpOAuthRefresh | null };

/** The `refresh` settings of an `mcp_oauth` credential, secrets opened. */
export interface McpOAuthRefresh {
  tokenEndpoint: string;
  clientId: string;
  /** Required by `client_secret_basic` and `client_secret_post`. */
  clientSecret?: string | null;
  authMethod: 'none' | 'client_secret_basic' | 'client_secret_post';
  refreshToken: string;
  scope?: string | null;
  /** RFC 8707 resource indicator. */
  resource?: string | null;
}

export type { RefreshedTokens } from '../../protocol/oauthRefreshGrant.js';
