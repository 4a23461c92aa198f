import type { EnvironmentVariableCredential } from '../sessionCredentials.js';

/**
 * The SDK's `credential_host_unreachable_error` (a session error), without `retry_status`, which
 * the emitter decides. Its values are ids and host names only.
 */
export interface CredentialHostUnreachable {
  type: 'credential_host_unreachable_error';
  credential_id: string;
  vault_id: string;
  message: string;
}

/**
 * One error per credential whose `networking.allowed_hosts` names a host the environment's
 * network policy does not let the sandbox reach (`reaches`: the policy's answer for one entry).
 * The secret is never substituted there; the request itself is refused by the policy.
 */
export function unreachableCredentialHosts(
  credentials: readonly Pick<EnvironmentVariableCredential, 'credentialId' | 'vaultId' | 'secretName' | 'networking'>[],
  reaches: (entry: string) => boolean,
): CredentialHostUnreachable[] {
  const errors: CredentialHostUnreachable[] = [];
  for (const credential of credentials) {
    if (credential.networking.type !== 'limited') continue;
    const unreachable = credential.networking.allowed_hosts.filter((entry) => !reaches(entry));
    if (unreachable.length === 0) continue;
    errors.push({
      type: 'credential_host_unreachable_error',
      credential_id: credential.credentialId,
      vault_id: credential.vaultId,
      message:
        `credential ${credential.credentialId} (${credential.secretName}) is for ${unreachable.join(', ')}, ` +
        "which the environment's network policy does not allow",
    });
  }
  return errors;
}
