import type {
  BetaManagedAgentsEnvironmentVariableAuthResponse,
  BetaManagedAgentsInjectionLocationResponse,
  BetaManagedAgentsLimitedCredentialNetworkingResponse,
  BetaManagedAgentsMCPOAuthAuthResponse,
  BetaManagedAgentsMCPOAuthRefreshResponse,
  BetaManagedAgentsStaticBearerAuthResponse,
  BetaManagedAgentsUnrestrictedCredentialNetworkingResponse,
} from '@anthropic-ai/sdk/resources/beta/vaults/credentials.js';
import type {
  CredentialCreateAuth,
  CredentialNetworkingParams,
  CredentialUpdateAuth,
  CredentialUpdateBody,
  InjectionLocationParams,
} from './credential.js';
import { patchMetadata, type Metadata } from './vault.js';

// ---------------------------------------------------------------------------------------------
// stored form

/** The write-only fields, each sealed on its own. */
export const SECRET_FIELDS = ['token', 'access_token', 'refresh_token', 'client_secret', 'secret_value'] as const;
export type SecretField = (typeof SECRET_FIELDS)[number];
export type SecretValues = Partial<Record<SecretField, string>>;

export type CredentialAuth =
  | BetaManagedAgentsMCPOAuthAuthResponse
  | BetaManagedAgentsStaticBearerAuthResponse
  | BetaManagedAgentsEnvironmentVariableAuthResponse;
export type CredentialAuthType = CredentialAuth['type'];
type Networking =
  | BetaManagedAgentsUnrestrictedCredentialNetworkingResponse
  | BetaManagedAgentsLimitedCredentialNetworkingResponse;

/**
 * The stored credential: public fields plus the sealed secrets. Rendering picks the public
 * fields by name, so `sealed` (and anything added later) never reaches a response.
 */
export interface CredentialBody<Sealed = unknown> {
  display_name: string | null;
  metadata: Metadata;
  auth: CredentialAuth;
  /** Empty once the credential is archived: an archived credential keeps no secret. */
  sealed: Partial<Record<SecretField, Sealed>>;
}

/** A rule the schema cannot check (it needs the clock or the stored credential). */
export class CredentialRuleError extends Error {
  constructor(
    readonly path: string[],
    message: string,
  ) {
    super(`${path.join('.')}: ${message}`);
    this.name = 'CredentialRuleError';
  }
}

function checkFuture(expiresAt: string | null | undefined, now: Date): void {
  if (expiresAt != null && Date.parse(expiresAt) <= now.getTime()) {
    throw new CredentialRuleError(['auth', 'expires_at'], 'must be in the future');
  }
}

function checkInjection(location: BetaManagedAgentsInjectionLocationResponse): void {
  if (!location.body && !location.header) {
    throw new CredentialRuleError(['auth', 'injection_location'], 'at least one of body and header must be enabled');
  }
}

function buildNetworking(params: CredentialNetworkingParams): Networking {
  return params.type === 'limited'
    ? { type: 'limited', allowed_hosts: [...params.allowed_hosts] }
    : { type: 'unrestricted' };
}

/**
 * Omitted, the secret goes into header values only (where API keys travel); given, it lists
 * exactly the enabled locations, so `{ body: true }` means the body alone.
 */
function buildInjection(params: InjectionLocationParams | undefined): BetaManagedAgentsInjectionLocationResponse {
  if (params === undefined) return { body: false, header: true };
  return { body: params.body ?? false, header: params.header ?? false };
}

/** Splits create params into the public auth and the write-only values. */
export function buildCredentialAuth(
  params: CredentialCreateAuth,
  now: Date,
): { auth: CredentialAuth; secrets: SecretValues } {
  switch (params.type) {
    case 'static_bearer':
      return {
        auth: { type: 'static_bearer', mcp_server_url: params.mcp_server_url },
        secrets: { token: params.token },
      };
    case 'mcp_oauth': {
      checkFuture(params.expires_at, now);
      const refresh = params.refresh ?? null;
      const secrets: SecretValues = { access_token: params.access_token };
      if (refresh) secrets.refresh_token = refresh.refresh_token;
      if (refresh && refresh.token_endpoint_auth.type !== 'none') {
        secrets.client_secret = refresh.token_endpoint_auth.client_secret;
      }
      const auth: BetaManagedAgentsMCPOAuthAuthResponse = {
        type: 'mcp_oauth',
        mcp_server_url: params.mcp_server_url,
        expires_at: params.expires_at ?? null,
        refresh: refresh && {
          client_id: refresh.client_id,
          token_endpoint: refresh.token_endpoint,
          token_endpoint_auth: { type: refresh.token_endpoint_auth.type },
          resource: refresh.resource ?? null,
          scope: refresh.scope ?? null,
        },
      };
      return { auth, secrets };
    }
    case 'environment_variable': {
      const injection_location = buildInjection(params.injection_location);
      checkInjection(injection_location);
      return {
        auth: {
          type: 'environment_variable',
          secret_name: params.secret_name,
          injection_location,
          networking: buildNetworking(params.networking),
        },
        secrets: { secret_value: params.secret_value },
      };
    }
  }
}

/** The write-only values an update sets; null and omitted both keep the stored value. */
export function credentialUpdateSecrets(params: CredentialUpdateAuth | undefined): SecretValues {
  const secrets: SecretValues = {};
  if (params?.type === 'static_bearer' && params.token != null) secrets.token = params.token;
  if (params?.type === 'environment_variable' && params.secret_value != null)
    secrets.secret_value = params.secret_value;
  if (params?.type === 'mcp_oauth') {
    if (params.access_token != null) secrets.access_token = params.access_token;
    if (params.refresh?.refresh_token != null) secrets.refresh_token = params.refresh.refresh_token;
    const clientSecret = params.refresh?.token_endpoint_auth?.client_secret;
    if (clientSecret != null) secrets.client_secret = clientSecret;
  }
  return secrets;
}

function updateRefresh(
  current: BetaManagedAgentsMCPOAuthRefreshResponse | null | undefined,
  params: NonNullable<Extract<CredentialUpdateAuth, { type: 'mcp_oauth' }>['refresh']>,
): BetaManagedAgentsMCPOAuthRefreshResponse {
  if (!current) {
    throw new CredentialRuleError(
      ['auth', 'refresh'],
      'this credential has no refresh configuration; create a new credential to add one',
    );
  }
  if (params.token_endpoint_auth && current.token_endpoint_auth.type === 'none') {
    throw new CredentialRuleError(
      ['auth', 'refresh', 'token_endpoint_auth'],
      'a client secret can only be set on a credential that uses client_secret_basic or client_secret_post',
    );
  }
  // "Send an empty string to clear the stored scope."
  const scope = params.scope == null ? (current.scope ?? null) : params.scope === '' ? null : params.scope;
  // The token_endpoint_auth type is kept even if the update names the other one (SDK doc).
  return { ...current, scope };
}

function updateMcpOAuth(
  current: BetaManagedAgentsMCPOAuthAuthResponse,
  params: Extract<CredentialUpdateAuth, { type: 'mcp_oauth' }>,
  now: Date,
): BetaManagedAgentsMCPOAuthAuthResponse {
  checkFuture(params.expires_at, now);
  // A new access_token without expires_at keeps the stored expiry (SDK doc); null clears it.
  const expires_at = params.expires_at === undefined ? (current.expires_at ?? null) : params.expires_at;
  const refresh = params.refresh == null ? (current.refresh ?? null) : updateRefresh(current.refresh, params.refresh);
  return { ...current, expires_at, refresh };
}

function updateEnvironmentVariable(
  current: BetaManagedAgentsEnvironmentVariableAuthResponse,
  params: Extract<CredentialUpdateAuth, { type: 'environment_variable' }>,
): BetaManagedAgentsEnvironmentVariableAuthResponse {
  // "A location you leave out keeps its current setting."
  const injection_location = {
    body: params.injection_location?.body ?? current.injection_location.body,
    header: params.injection_location?.header ?? current.injection_location.header,
  };
  checkInjection(injection_location);
  // "The new networking scope, which replaces the stored one as a whole."
  const networking = params.networking == null ? current.networking : buildNetworking(params.networking);
  return { ...current, injection_location, networking };
}

/** The public auth after an update. Throws `CredentialRuleError` when a rule is broken. */
export function applyCredentialAuthUpdate(
  current: CredentialAuth,
  params: CredentialUpdateAuth,
  now: Date,
): CredentialAuth {
  if (params.type !== current.type) {
    throw new CredentialRuleError(
      ['auth', 'type'],
      `must match the credential's type (${current.type}); the type cannot be changed`,
    );
  }
  if (current.type === 'mcp_oauth' && params.type === 'mcp_oauth') return updateMcpOAuth(current, params, now);
  if (current.type === 'environment_variable' && params.type === 'environment_variable') {
    return updateEnvironmentVariable(current, params);
  }
  return current;
}

/**
 * Applies an update to the public fields; the caller merges the newly sealed secrets.
 * `display_name`: null clears it (it is optional on a credential). Re-check metadata after.
 */
export function applyCredentialUpdate<S>(
  current: CredentialBody<S>,
  params: CredentialUpdateBody,
  now: Date,
): CredentialBody<S> {
  return {
    ...current,
    display_name: params.display_name === undefined ? current.display_name : params.display_name,
    metadata: patchMetadata(current.metadata, params.metadata),
    auth: params.auth ? applyCredentialAuthUpdate(current.auth, params.auth, now) : current.auth,
  };
}

/** The response's auth, field by field: nothing stored beside it can slip into a response. */
export function publicAuth(auth: CredentialAuth): CredentialAuth {
  switch (auth.type) {
    case 'static_bearer':
      return { type: 'static_bearer', mcp_server_url: auth.mcp_server_url };
    case 'mcp_oauth':
      return {
        type: 'mcp_oauth',
        mcp_server_url: auth.mcp_server_url,
        expires_at: auth.expires_at ?? null,
        refresh: auth.refresh
          ? {
              client_id: auth.refresh.client_id,
              token_endpoint: auth.refresh.token_endpoint,
              token_endpoint_auth: { type: auth.refresh.token_endpoint_auth.type },
              resource: auth.refresh.resource ?? null,
              scope: auth.refresh.scope ?? null,
            }
          : null,
      };
    case 'environment_variable':
      return {
        type: 'environment_variable',
        secret_name: auth.secret_name,
        injection_location: { body: auth.injection_location.body, header: auth.injection_location.header },
        networking:
          auth.networking.type === 'limited'
            ? { type: 'limited', allowed_hosts: [...auth.networking.allowed_hosts] }
            : { type: 'unrestricted' },
      };
  }
}

/** What a session may hold only one of per vault: an MCP server, or an environment variable name. */
export function credentialSlot(auth: CredentialAuth): string {
  return auth.type === 'environment_variable'
    ? `env:${auth.secret_name}`
    : `mcp:${normalizeMcpServerUrl(auth.mcp_server_url)}`;
}

/** The match key for MCP server URLs: scheme and host lowercased (by URL), no trailing slash or fragment. */
export function normalizeMcpServerUrl(value: string): string {
  try {
    const url = new URL(value);
    url.hash = '';
    url.pathname = url.pathname.replace(/\/+$/, '');
    return url.toString();
  } catch {
    return value;
  }
}
