/** Secret substitution for `environment_variable` credentials: the egress proxy's interceptor. */
export { type CredentialHostUnreachable, unreachableCredentialHosts } from './credentialHosts.js';
export { loadOrCreatePlaceholderKey, PLACEHOLDER_PREFIX, placeholderFor } from './placeholders.js';
export { createSecretSubstitution, type SecretSubstitutionOptions } from './secretSubstitution.js';
