import type { EgressInterceptor, EgressSession, ResponseFilter } from '../egress/types.js';
import type { EnvironmentVariableCredential } from '../sessionCredentials.js';
import { type CredentialHostUnreachable, unreachableCredentialHosts } from './credentialHosts.js';
import { placeholderFor } from './placeholders.js';
import { ReplacingStream, replaceAllLatin1 } from './replaceAll.js';
import { type PreparedSecrets, prepareSessionSecrets, substitutesOn } from './sessionSecrets.js';
import { substituteRequest } from './substituteRequest.js';

export interface SecretSubstitutionOptions {
  /**
   * The session's `environment_variable` credentials, opened (`credentialsForSession(...).environment`).
   * Read at every sandbox attach, kept only while that sandbox lives.
   */
  credentials(sessionId: string): Promise<EnvironmentVariableCredential[]>;
  /** The installation's placeholder key (`loadOrCreatePlaceholderKey`). */
  placeholderKey: Buffer;
  /** A credential that cannot be used as configured. Ids and names only, never a value. */
  warn?(message: string, context: { sessionId: string; credentialId: string; vaultId: string }): void;
  /** Credentials whose hosts the environment does not allow (the SDK's `credential_host_unreachable_error`). */
  unreachable?(sessionId: string, errors: CredentialHostUnreachable[]): void;
}

/**
 * The vault's egress interceptor for `environment_variable` credentials. The sandbox gets
 * `SECRET_NAME=<placeholder>`; on a request to a host the credential's `networking` allows, the
 * proxy puts the real value in place of the placeholder (headers and/or body, per
 * `injection_location`); on any other host the placeholder goes out as it is, and the secret is
 * never sent. Every response on an intercepted connection has each of the session's secrets
 * (in its common encodings) replaced by its placeholder before the sandbox sees it.
 */
export function createSecretSubstitution(options: SecretSubstitutionOptions): EgressInterceptor {
  // Per session, one entry per live attachment (a restarting sandbox may briefly have two); the latest wins.
  const sessions = new Map<string, PreparedSecrets[]>();
  const current = (sessionId: string): PreparedSecrets | undefined => sessions.get(sessionId)?.at(-1);

  const filters = new WeakMap<PreparedSecrets, ResponseFilter>();
  const filterOf = (prepared: PreparedSecrets): ResponseFilter => {
    let filter = filters.get(prepared);
    if (!filter) {
      const { scrub } = prepared;
      filter = { scrubText: (text) => replaceAllLatin1(text, scrub), scrubBody: () => new ReplacingStream(scrub) };
      filters.set(prepared, filter);
    }
    return filter;
  };

  return {
    async attach(session: EgressSession, scope) {
      const credentials = await options.credentials(session.sessionId);
      const prepared = prepareSessionSecrets(
        credentials,
        (credentialId) => placeholderFor(options.placeholderKey, session.sessionId, credentialId),
        (credential, message) =>
          options.warn?.(`credential ${credential.credentialId}: ${message}`, {
            sessionId: session.sessionId,
            credentialId: credential.credentialId,
            vaultId: credential.vaultId,
          }),
      );
      const unreachable = unreachableCredentialHosts(credentials, (entry) => scope.reaches(entry));
      if (unreachable.length > 0) options.unreachable?.(session.sessionId, unreachable);
      if (prepared.secrets.length === 0) return { env: prepared.env, detach: () => {} };
      const list = sessions.get(session.sessionId) ?? [];
      list.push(prepared);
      sessions.set(session.sessionId, list);
      return {
        env: prepared.env,
        detach() {
          const remaining = (sessions.get(session.sessionId) ?? []).filter((entry) => entry !== prepared);
          if (remaining.length > 0) sessions.set(session.sessionId, remaining);
          else sessions.delete(session.sessionId);
        },
      };
    },
    intercepts(target) {
      return current(target.sessionId)?.secrets.some((s) => substitutesOn(s, target.host, target.port)) ?? false;
    },
    async rewrite(request, target) {
      const prepared = current(target.sessionId);
      if (!prepared) return request;
      return substituteRequest(
        request,
        prepared.secrets.filter((s) => substitutesOn(s, target.host, target.port)),
      );
    },
    responseFilter(target) {
      const prepared = current(target.sessionId);
      return prepared ? filterOf(prepared) : null;
    },
  };
}
