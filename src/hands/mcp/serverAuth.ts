import type { McpAuth, McpCredentialSource } from './mcpCredentials.js';
import { refreshAccessToken, type RefreshDeps } from './refreshAccessToken.js';

/** An authentication failure; the message is written for the model and the client (no secrets). */
export class McpAuthFailure extends Error {
  override readonly name = 'McpAuthFailure';
}

export interface ServerAuthDeps extends RefreshDeps {
  sessionId: string;
  serverUrl: string;
  credentials: McpCredentialSource;
  logger: { warn(message: string): void };
}

export interface ServerAuth {
  /** The bearer token to send, or undefined when the session has no credential for the server. */
  token(): Promise<string | undefined>;
  /**
   * The server answered 401 to a request sent with `rejected`. Resolves once a retry is worth
   * making (a token rotated in the vault, or a refreshed one); throws `McpAuthFailure` otherwise.
   */
  rejected(rejected: string | undefined): Promise<void>;
}

// An access token this close to its expiry is refreshed before use (as the vault does).
const EXPIRY_SKEW_MS = 60_000;

/**
 * One session's credential for one server. Reads the vault lazily, refreshes `mcp_oauth` tokens
 * on expiry or on a 401, and does each refresh once however many requests hit the 401.
 */
export function createServerAuth(deps: ServerAuthDeps): ServerAuth {
  let current: McpAuth | null | undefined;
  let pending: Promise<void> | undefined;

  const load = async (): Promise<McpAuth | null> => {
    try {
      return await deps.credentials.forServer(deps.sessionId, deps.serverUrl);
    } catch (error) {
      deps.logger.warn(`mcp: reading the credential for ${deps.serverUrl} failed: ${String(error)}`);
      throw new McpAuthFailure("the session's credentials could not be read");
    }
  };

  /** Runs `work` unless another repair is under way, in which case its outcome is shared. */
  const once = (work: () => Promise<void>): Promise<void> => {
    pending ??= work().finally(() => {
      pending = undefined;
    });
    return pending;
  };

  const refresh = async (auth: Extract<McpAuth, { type: 'oauth' }>, stale: string | undefined): Promise<void> => {
    const refreshSettings = auth.refresh;
    if (!refreshSettings) {
      throw new McpAuthFailure(
        'the OAuth access token was refused or has expired, and the credential has no refresh token',
      );
    }
    const outcome = await refreshAccessToken(refreshSettings, deps);
    if (!outcome.ok) {
      // Another session may have refreshed (and rotated) the same credential meanwhile.
      const reread = await load();
      if (reread && tokenOf(reread) !== stale && !expired(reread, deps.now())) {
        current = reread;
        return;
      }
      throw new McpAuthFailure(`refreshing the OAuth access token failed: ${outcome.reason}`);
    }
    const { tokens } = outcome;
    current = {
      type: 'oauth',
      accessToken: tokens.accessToken,
      expiresAt: tokens.expiresAt,
      refresh: { ...refreshSettings, refreshToken: tokens.refreshToken ?? refreshSettings.refreshToken },
    };
    try {
      await deps.credentials.onTokenRefreshed?.(deps.sessionId, deps.serverUrl, tokens);
    } catch (error) {
      deps.logger.warn(`mcp: storing the refreshed token for ${deps.serverUrl} failed: ${String(error)}`);
    }
  };

  return {
    async token() {
      if (current === undefined) await once(async () => void (current = await load()));
      const auth = current;
      if (auth?.type === 'oauth' && expired(auth, deps.now()) && auth.refresh) {
        await once(() => refresh(auth, auth.accessToken));
      }
      return current ? tokenOf(current) : undefined;
    },

    async rejected(rejected) {
      if (pending) return pending;
      // Someone already replaced the token this request carried: just retry.
      if (current && tokenOf(current) !== rejected) return;
      return once(async () => {
        const held = current;
        const reread = await load();
        if (!reread) {
          current = null;
          throw new McpAuthFailure(
            "the server requires authorization and the session's vaults hold no credential for it",
          );
        }
        // Rotated in the vault (or refreshed by another session): retry with it.
        if (tokenOf(reread) !== rejected) {
          current = reread;
          return;
        }
        // The copy held here may carry a newer refresh token than the vault (if storing it failed).
        const auth = held && tokenOf(held) === rejected ? held : reread;
        current = auth;
        if (auth.type === 'bearer') throw new McpAuthFailure('the server refused the static bearer token');
        await refresh(auth, rejected);
      });
    },
  };
}

function tokenOf(auth: McpAuth): string {
  return auth.type === 'bearer' ? auth.token : auth.accessToken;
}

function expired(auth: McpAuth, now: number): boolean {
  if (auth.type !== 'oauth' || !auth.expiresAt) return false;
  const at = Date.parse(auth.expiresAt);
  return Number.isFinite(at) && at - EXPIRY_SKEW_MS <= now;
}
