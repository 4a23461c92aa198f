import { UnknownSessionError } from '../core/errors.js';
import type { ResourceStore } from '../core/resourceStore.js';
import type { SealedSecret, Vault } from '../core/vault.js';
import { credentialSlot, normalizeMcpServerUrl, type CredentialBody } from '../protocol/credentialAuth.js';
import { openSecrets, storeRefreshedTokens, type CredentialRecord } from './credentialSecrets.js';
import { refreshAccessToken, type HttpDeps } from './oauthRefresh.js';

/** A bearer token for one MCP server (`static_bearer`, or `mcp_oauth`'s access token). */
export interface McpServerCredential {
  credentialId: string;
  vaultId: string;
  type: 'static_bearer' | 'mcp_oauth';
  mcpServerUrl: string;
  /** Send as `Authorization: Bearer <token>`. Never log it, never put it in an event. */
  token: string;
  /** `mcp_oauth` only; null when unknown. Already refreshed here if it had passed. */
  expiresAt: string | null;
  /**
   * `mcp_oauth` with refresh settings: what the MCP client needs to refresh on a 401 itself.
   * Server-process only, like the token.
   */
  refresh?: {
    tokenEndpoint: string;
    clientId: string;
    clientSecret: string | null;
    authMethod: 'none' | 'client_secret_basic' | 'client_secret_post';
    refreshToken: string;
    scope: string | null;
    resource: string | null;
  };
  /** The stored record, for writing refreshed tokens back (`storeRefreshedTokens`). */
  record?: CredentialRecord;
}

/** An `environment_variable` secret, for the egress proxy to substitute on the way out. */
export interface EnvironmentVariableCredential {
  credentialId: string;
  vaultId: string;
  /** The sandbox sees this name bound to a placeholder, never to `value`. */
  secretName: string;
  value: string;
  injectionLocation: { body: boolean; header: boolean };
  /** `limited`: substitute only on requests to these hosts (exact, or `*.` for subdomains only). */
  networking: { type: 'unrestricted' } | { type: 'limited'; allowed_hosts: string[] };
}

export interface SessionCredentials {
  mcp: McpServerCredential[];
  environment: EnvironmentVariableCredential[];
}

export interface SessionCredentialDeps {
  resources: ResourceStore;
  vault: Vault;
  fetch?: typeof fetch;
  timeoutMs?: number;
  now?: () => Date;
}

// An access token this close to its expiry is refreshed before it is handed out.
const EXPIRY_SKEW_MS = 60_000;
const PAGE = 100;

/**
 * The credentials a session may use, opened: for each MCP server URL and each environment
 * variable name, the first match in the order of the session's `vault_ids` (then creation
 * order within a vault). Archived credentials are skipped; a vault deleted since the session
 * started contributes nothing. Reads fresh on every call, so rotations apply to the next use.
 */
export async function credentialsForSession(
  deps: SessionCredentialDeps,
  sessionId: string,
): Promise<SessionCredentials> {
  const session = await deps.resources.get<{ vault_ids?: string[] }>('session', sessionId);
  if (!session) throw new UnknownSessionError(sessionId);
  const http: HttpDeps = {
    fetch: deps.fetch ?? fetch,
    timeoutMs: deps.timeoutMs ?? 10_000,
    now: deps.now ?? (() => new Date()),
  };
  const out: SessionCredentials = { mcp: [], environment: [] };
  const taken = new Set<string>();
  for (const vaultId of session.body.vault_ids ?? []) {
    for (const record of await activeCredentials(deps.resources, vaultId)) {
      const slot = credentialSlot(record.body.auth);
      if (taken.has(slot)) continue;
      taken.add(slot);
      const opened = await openCredential(deps, record, http);
      if (opened && 'secretName' in opened) out.environment.push(opened);
      else if (opened) out.mcp.push(opened);
    }
  }
  return out;
}

/** The credential for one MCP server, or null: what the MCP client calls before connecting. */
export async function mcpCredentialForSession(
  deps: SessionCredentialDeps,
  sessionId: string,
  mcpServerUrl: string,
): Promise<McpServerCredential | null> {
  const target = normalizeMcpServerUrl(mcpServerUrl);
  const { mcp } = await credentialsForSession(deps, sessionId);
  return mcp.find((credential) => normalizeMcpServerUrl(credential.mcpServerUrl) === target) ?? null;
}

async function activeCredentials(resources: ResourceStore, vaultId: string): Promise<CredentialRecord[]> {
  const out: CredentialRecord[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await resources.list<CredentialBody<SealedSecret>>('credential', {
      parentId: vaultId,
      limit: PAGE,
      ...(after !== undefined ? { after } : {}),
    });
    out.push(...page);
    if (page.length < PAGE) return out;
    after = page[page.length - 1]?.id;
  }
}

async function openCredential(
  deps: SessionCredentialDeps,
  record: CredentialRecord,
  http: HttpDeps,
): Promise<McpServerCredential | EnvironmentVariableCredential | null> {
  const vaultId = record.parentId ?? '';
  const auth = record.body.auth;
  const secrets = await openSecrets(deps.vault, record);
  switch (auth.type) {
    case 'static_bearer':
      if (!secrets.token) return null;
      return {
        credentialId: record.id,
        vaultId,
        type: 'static_bearer',
        mcpServerUrl: auth.mcp_server_url,
        token: secrets.token,
        expiresAt: null,
      };
    case 'environment_variable':
      if (secrets.secret_value === undefined) return null;
      return {
        credentialId: record.id,
        vaultId,
        secretName: auth.secret_name,
        value: secrets.secret_value,
        injectionLocation: { ...auth.injection_location },
        networking:
          auth.networking.type === 'limited'
            ? { type: 'limited', allowed_hosts: [...auth.networking.allowed_hosts] }
            : { type: 'unrestricted' },
      };
    case 'mcp_oauth': {
      let token = secrets.access_token;
      let expiresAt = auth.expires_at ?? null;
      if (expiresAt !== null && Date.parse(expiresAt) - EXPIRY_SKEW_MS <= http.now().getTime()) {
        const refreshed = await refreshAccessToken(auth, secrets, http);
        if (refreshed.status === 'succeeded') {
          await storeRefreshedTokens(deps.resources, deps.vault, record, refreshed.tokens, http.now());
          token = refreshed.tokens.accessToken;
          expiresAt = refreshed.tokens.expiresAt;
        }
        // Otherwise hand out the stale token: the server's 401 is the error the caller reports.
      }
      if (!token) return null;
      const refresh = auth.refresh;
      return {
        credentialId: record.id,
        vaultId,
        type: 'mcp_oauth',
        mcpServerUrl: auth.mcp_server_url,
        token,
        expiresAt,
        record,
        ...(refresh && secrets.refresh_token
          ? {
              refresh: {
                tokenEndpoint: refresh.token_endpoint,
                clientId: refresh.client_id,
                clientSecret: secrets.client_secret ?? null,
                authMethod: refresh.token_endpoint_auth.type,
                refreshToken: secrets.refresh_token,
                scope: refresh.scope ?? null,
                resource: refresh.resource ?? null,
              },
            }
          : {}),
      };
    }
  }
}
