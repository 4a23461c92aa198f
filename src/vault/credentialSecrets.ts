import type { RefreshedTokens } from '../protocol/oauthRefreshGrant.js';
import type { ResourceRecord, ResourceStore } from '../core/resourceStore.js';
import type { SealedSecret, Vault } from '../core/vault.js';
import { SECRET_FIELDS, type CredentialBody, type SecretValues } from '../protocol/credentialAuth.js';

/**
 * Where secrets live: inside the credential's own record, under `sealed`, one AES-GCM
 * ciphertext per write-only field (`token`, `access_token`, `refresh_token`, `client_secret`,
 * `secret_value`), sealed by the vault's data key with AAD vault/credential/field. The API
 * renders credentials field by field and never reads `sealed`; only this module opens it.
 */
export type CredentialRecord = ResourceRecord<CredentialBody<SealedSecret>>;

export async function sealSecrets(
  vault: Vault,
  vaultId: string,
  credentialId: string,
  secrets: SecretValues,
): Promise<CredentialBody<SealedSecret>['sealed']> {
  const sealed: CredentialBody<SealedSecret>['sealed'] = {};
  for (const field of SECRET_FIELDS) {
    const value = secrets[field];
    if (value !== undefined) sealed[field] = await vault.seal(value, { vaultId, credentialId, field });
  }
  return sealed;
}

/** The plaintext of every secret the credential holds. Keep the result out of logs and events. */
export async function openSecrets(vault: Vault, record: CredentialRecord): Promise<SecretValues> {
  const vaultId = record.parentId;
  if (vaultId === null) throw new Error(`credential ${record.id} has no vault`);
  const secrets: SecretValues = {};
  for (const field of SECRET_FIELDS) {
    const sealed = record.body.sealed[field];
    if (sealed) secrets[field] = await vault.open(sealed, { vaultId, credentialId: record.id, field });
  }
  return secrets;
}

export type { RefreshedTokens } from '../protocol/oauthRefreshGrant.js';

const MAX_UPDATE_ATTEMPTS = 5;

/** Stores the tokens of a successful refresh. A credential archived or deleted meanwhile is left alone. */
export async function storeRefreshedTokens(
  resources: ResourceStore,
  vault: Vault,
  record: CredentialRecord,
  tokens: RefreshedTokens,
  now: Date,
): Promise<void> {
  const sealed = await sealSecrets(vault, record.parentId ?? '', record.id, {
    access_token: tokens.accessToken,
    ...(tokens.refreshToken !== undefined ? { refresh_token: tokens.refreshToken } : {}),
  });
  for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
    const current = await resources.get<CredentialBody<SealedSecret>>('credential', record.id);
    if (!current || current.archivedAt || current.body.auth.type !== 'mcp_oauth') return;
    const body: CredentialBody<SealedSecret> = {
      ...current.body,
      auth: { ...current.body.auth, expires_at: tokens.expiresAt },
      sealed: { ...current.body.sealed, ...sealed },
    };
    const next = { ...current, body, revision: current.revision + 1, updatedAt: now.toISOString() };
    if (await resources.update(next)) return;
  }
  throw new Error(`credential ${record.id} kept changing while its refreshed token was stored`);
}
