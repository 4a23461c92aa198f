import type { Logger } from 'pino';
import { UnknownSessionError } from '../core/errors.js';
import type { ResourceStore } from '../core/resourceStore.js';
import type { Vault } from '../core/vault.js';
import { createLeafCertificates, loadOrCreateInstallationCa } from '../vault/ca/index.js';
import type { EgressInterceptor, TlsInterception } from '../vault/egress/index.js';
import { credentialsForSession } from '../vault/sessionCredentials.js';
import { createSecretSubstitution, loadOrCreatePlaceholderKey } from '../vault/substitution/index.js';

/**
 * What the egress proxy needs to substitute `environment_variable` secrets: the interceptor, fed
 * by the session's vaults, and the per-installation CA that terminates TLS for its hosts.
 */
export async function createSecretEgress(
  dataDir: string,
  logger: Logger,
  deps: { resources: ResourceStore; vault: Vault },
): Promise<{ interceptor: EgressInterceptor; tls: TlsInterception }> {
  const ca = await loadOrCreateInstallationCa(dataDir);
  for (const warning of ca.warnings) logger.warn(warning);
  if (ca.created) logger.info({ fingerprint: ca.fingerprint, notAfter: ca.notAfter }, 'created the egress CA');
  const placeholders = loadOrCreatePlaceholderKey(dataDir);
  for (const warning of placeholders.warnings) logger.warn(warning);
  const interceptor = createSecretSubstitution({
    placeholderKey: placeholders.key,
    async credentials(sessionId) {
      try {
        return (await credentialsForSession(deps, sessionId)).environment;
      } catch (error) {
        // Not a stored session (the egress self-test's): nothing to substitute.
        if (error instanceof UnknownSessionError) return [];
        throw error;
      }
    },
    warn: (message, context) => logger.warn(context, message),
    // Not yet a session.error event: the brain has no port for it (docs/vaults.md).
    unreachable: (sessionId, errors) =>
      logger.warn(
        { sessionId, errors },
        'credential hosts not allowed by the environment (credential_host_unreachable_error)',
      ),
  });
  return { interceptor, tls: createLeafCertificates(ca) };
}
