import type { BetaManagedAgentsCredentialValidation } from '@anthropic-ai/sdk/resources/beta/vaults/credentials.js';
import type { ResourceStore } from '../core/resourceStore.js';
import type { CredentialProbe, SealedSecret, Vault } from '../core/vault.js';
import type { CredentialBody } from '../protocol/credentialAuth.js';
import { openSecrets, storeRefreshedTokens } from './credentialSecrets.js';
import { probeMcpServer } from './mcpProbe.js';
import { refreshAccessToken, type HttpDeps } from './oauthRefresh.js';

export interface McpOAuthProbeDeps {
  resources: ResourceStore;
  vault: Vault;
  fetch?: typeof fetch;
  /** Per HTTP request. */
  timeoutMs?: number;
  now?: () => Date;
}

export const PROBE_TIMEOUT_MS = 10_000;

/**
 * `mcp_oauth_validate`: probe the MCP server with the stored access token; on a 401, try the
 * refresh token once and store what it yields. The verdicts follow the SDK's
 * `BetaManagedAgentsCredentialValidationStatus` doc: a refresh that succeeded leaves the new
 * token untested, so it is `unknown`; an unreachable server is `unknown`; a rejection that no
 * refresh recovers, or no access token at all, is `invalid`.
 */
export class McpOAuthProbe implements CredentialProbe {
  private readonly http: HttpDeps;

  constructor(private readonly deps: McpOAuthProbeDeps) {
    this.http = {
      fetch: deps.fetch ?? fetch,
      timeoutMs: deps.timeoutMs ?? PROBE_TIMEOUT_MS,
      now: deps.now ?? (() => new Date()),
    };
  }

  async validateMcpOAuth(vaultId: string, credentialId: string): Promise<BetaManagedAgentsCredentialValidation> {
    const record = await this.deps.resources.get<CredentialBody<SealedSecret>>('credential', credentialId);
    if (!record || record.parentId !== vaultId || record.body.auth.type !== 'mcp_oauth') {
      throw new Error(`credential ${credentialId} is not an mcp_oauth credential of vault ${vaultId}`);
    }
    const auth = record.body.auth;
    const secrets = await openSecrets(this.deps.vault, record);
    const result = (
      status: BetaManagedAgentsCredentialValidation['status'],
      mcp_probe: BetaManagedAgentsCredentialValidation['mcp_probe'],
      refresh: BetaManagedAgentsCredentialValidation['refresh'],
    ): BetaManagedAgentsCredentialValidation => ({
      type: 'vault_credential_validation',
      credential_id: credentialId,
      vault_id: vaultId,
      status,
      has_refresh_token: Boolean(auth.refresh && secrets.refresh_token),
      mcp_probe,
      refresh,
      validated_at: this.http.now().toISOString(),
    });

    if (!secrets.access_token) return result('invalid', null, null);
    const probe = await probeMcpServer(auth.mcp_server_url, secrets.access_token, this.http);
    if (probe.ok) return result('valid', null, null);
    const mcpProbe = { method: probe.method, http_response: probe.httpResponse };
    const status = probe.httpResponse?.status_code;
    if (status === 403) return result('invalid', mcpProbe, null);
    if (status !== 401) return result('unknown', mcpProbe, null);

    const refreshed = await refreshAccessToken(auth, secrets, this.http);
    switch (refreshed.status) {
      case 'no_refresh_token':
        return result('invalid', mcpProbe, { status: 'no_refresh_token', http_response: null });
      case 'connect_error':
        return result('unknown', mcpProbe, { status: 'connect_error', http_response: null });
      case 'failed':
        return result('invalid', mcpProbe, { status: 'failed', http_response: refreshed.httpResponse });
      case 'succeeded':
        await storeRefreshedTokens(this.deps.resources, this.deps.vault, record, refreshed.tokens, this.http.now());
        return result('unknown', mcpProbe, { status: 'succeeded', http_response: null });
    }
  }
}
