import type { BetaManagedAgentsCredentialValidation } from '@anthropic-ai/sdk/resources/beta/vaults/credentials.js';

/**
 * Credentials are sealed at rest and opened only inside the server process (the egress proxy
 * and the MCP client). Nothing returned from this port may reach a sandbox, a model request,
 * an event or a log line.
 */
export interface SealedSecret {
  /** The data key that sealed it: every vault has its own. */
  keyId: string;
  /** base64 of format version, IV, auth tag and ciphertext. */
  blob: string;
}

/**
 * Whose secret this is. The vault picks the data key; all three ids are bound into the
 * ciphertext, so a sealed value copied to another credential or field fails to open.
 */
export interface SecretScope {
  vaultId: string;
  credentialId: string;
  /** The write-only field, e.g. `token` or `refresh_token`. */
  field: string;
}

export interface Vault {
  seal(plaintext: string, scope: SecretScope): Promise<SealedSecret>;
  open(sealed: SealedSecret, scope: SecretScope): Promise<string>;
}

/** Live-checks an `mcp_oauth` credential against its MCP server, refreshing its token on a 401. */
export interface CredentialProbe {
  validateMcpOAuth(vaultId: string, credentialId: string): Promise<BetaManagedAgentsCredentialValidation>;
}
