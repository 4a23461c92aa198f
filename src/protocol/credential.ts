import { z } from 'zod';
import { DISPLAY_NAME_MAX_CHARS, displayNameSchema, metadataPatchSchema, metadataSchema } from './vault.js';

// The credential request schemas. The stored form and the pure builders over it are in
// credentialAuth.ts.

// ---------------------------------------------------------------------------------------------
// field formats

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
  } catch {
    return false;
  }
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOSTNAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`, 'i');
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

/**
 * BetaManagedAgentsLimitedCredentialNetworkingParams.allowed_hosts: "a bare hostname, an IPv4
 * address, or a `*.` wildcard. URLs, ports, paths, and IPv6 addresses aren't accepted."
 */
export function isAllowedHostEntry(entry: string): boolean {
  if (IPV4.test(entry)) return true;
  const host = entry.startsWith('*.') ? entry.slice(2) : entry;
  return HOSTNAME.test(host);
}

export const ALLOWED_HOSTS_MAX = 16;

const httpUrl = z.string().refine(isHttpUrl, { message: 'must be an absolute http:// or https:// URL' });
/** Write-only values. Their messages never echo the input. */
const secretValue = z.string().min(1, { message: 'must not be empty' });
const rfc3339 = z.iso.datetime({ offset: true, message: 'must be an RFC 3339 timestamp' });
const hostEntry = z.string().refine(isAllowedHostEntry, {
  message: 'must be a bare hostname, an IPv4 address or a *. wildcard (no scheme, port, path or IPv6)',
});
// A POSIX-portable name: the sandbox exports it as an environment variable.
const envVarName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'must be a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*)' })
  .max(255);

// ---------------------------------------------------------------------------------------------
// create

const tokenEndpointAuthParamsSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({ type: z.literal('client_secret_basic'), client_secret: secretValue }),
  z.strictObject({ type: z.literal('client_secret_post'), client_secret: secretValue }),
]);

const refreshParamsSchema = z.strictObject({
  client_id: z.string().min(1),
  refresh_token: secretValue,
  token_endpoint: httpUrl,
  token_endpoint_auth: tokenEndpointAuthParamsSchema,
  resource: z.string().nullish(),
  scope: z.string().nullish(),
});

const mcpOAuthCreateSchema = z.strictObject({
  type: z.literal('mcp_oauth'),
  access_token: secretValue,
  mcp_server_url: httpUrl,
  expires_at: rfc3339.nullish(),
  refresh: refreshParamsSchema.nullish(),
});

const staticBearerCreateSchema = z.strictObject({
  type: z.literal('static_bearer'),
  token: secretValue,
  mcp_server_url: httpUrl,
});

const networkingParamsSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('unrestricted') }),
  z.strictObject({ type: z.literal('limited'), allowed_hosts: z.array(hostEntry).max(ALLOWED_HOSTS_MAX) }),
]);

const injectionLocationParamsSchema = z.strictObject({
  body: z.boolean().optional(),
  header: z.boolean().optional(),
});

const environmentVariableCreateSchema = z.strictObject({
  type: z.literal('environment_variable'),
  networking: networkingParamsSchema,
  secret_name: envVarName,
  secret_value: secretValue,
  injection_location: injectionLocationParamsSchema.optional(),
});

export const credentialCreateSchema = z.strictObject({
  auth: z.discriminatedUnion('type', [mcpOAuthCreateSchema, staticBearerCreateSchema, environmentVariableCreateSchema]),
  // CredentialCreateParams.display_name: "Up to 255 characters."
  display_name: z.string().max(DISPLAY_NAME_MAX_CHARS).nullish(),
  metadata: metadataSchema.optional(),
});

// ---------------------------------------------------------------------------------------------
// update

const tokenEndpointAuthUpdateSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('client_secret_basic'), client_secret: secretValue.nullish() }),
  z.strictObject({ type: z.literal('client_secret_post'), client_secret: secretValue.nullish() }),
]);

const refreshUpdateSchema = z.strictObject({
  refresh_token: secretValue.nullish(),
  scope: z.string().nullish(),
  token_endpoint_auth: tokenEndpointAuthUpdateSchema.optional(),
});

const mcpOAuthUpdateSchema = z.strictObject({
  type: z.literal('mcp_oauth'),
  access_token: secretValue.nullish(),
  expires_at: rfc3339.nullish(),
  refresh: refreshUpdateSchema.nullish(),
});

const staticBearerUpdateSchema = z.strictObject({
  type: z.literal('static_bearer'),
  token: secretValue.nullish(),
});

const environmentVariableUpdateSchema = z.strictObject({
  type: z.literal('environment_variable'),
  injection_location: injectionLocationParamsSchema.optional(),
  networking: networkingParamsSchema.nullish(),
  secret_value: secretValue.nullish(),
});

export const credentialUpdateSchema = z.strictObject({
  auth: z
    .discriminatedUnion('type', [mcpOAuthUpdateSchema, staticBearerUpdateSchema, environmentVariableUpdateSchema])
    .optional(),
  display_name: displayNameSchema.nullish(),
  metadata: metadataPatchSchema,
});

export type CredentialCreateBody = z.output<typeof credentialCreateSchema>;
export type CredentialUpdateBody = z.output<typeof credentialUpdateSchema>;
export type CredentialCreateAuth = CredentialCreateBody['auth'];
export type CredentialUpdateAuth = NonNullable<CredentialUpdateBody['auth']>;
export type CredentialNetworkingParams = z.output<typeof networkingParamsSchema>;
export type InjectionLocationParams = z.output<typeof injectionLocationParamsSchema>;

/**
 * Fields fixed at create that the SDK's update params leave out. They would fail the strict
 * schema as unknown fields anyway; naming them as immutable tells the caller why.
 */
const IMMUTABLE_PATHS = [
  ['auth', 'mcp_server_url'],
  ['auth', 'secret_name'],
  ['auth', 'refresh', 'client_id'],
  ['auth', 'refresh', 'token_endpoint'],
  ['auth', 'refresh', 'resource'],
] as const;

/** The immutable fields a raw update body tries to set, as dotted paths. */
export function immutableCredentialFields(raw: unknown): string[] {
  return IMMUTABLE_PATHS.filter((path) => {
    let node: unknown = raw;
    for (const key of path) {
      if (typeof node !== 'object' || node === null || !(key in node)) return false;
      node = (node as Record<string, unknown>)[key];
    }
    return true;
  }).map((path) => path.join('.'));
}
