import { z } from 'zod';
import type {
  BetaCloudConfig,
  BetaEnvironment,
  BetaLimitedNetwork,
  BetaPackages,
  BetaSelfHostedConfig,
  BetaUnrestrictedNetwork,
} from '@anthropic-ai/sdk/resources/beta/environments/environments.js';

const stringList = z.array(z.string());

const unrestrictedNetworkSchema = z.strictObject({ type: z.literal('unrestricted') });

// BetaLimitedNetworkParams: "Fields default to null; on update, omitted fields preserve the
// existing value", so null and absent mean the same thing here.
const limitedNetworkParamsSchema = z.strictObject({
  type: z.literal('limited'),
  allowed_hosts: stringList.nullish(),
  allow_mcp_servers: z.boolean().nullish(),
  allow_package_managers: z.boolean().nullish(),
});

const networkingParamsSchema = z.discriminatedUnion('type', [unrestrictedNetworkSchema, limitedNetworkParamsSchema]);

const packagesParamsSchema = z.strictObject({
  type: z.literal('packages').optional(),
  apt: stringList.nullish(),
  cargo: stringList.nullish(),
  gem: stringList.nullish(),
  go: stringList.nullish(),
  npm: stringList.nullish(),
  pip: stringList.nullish(),
});

const cloudConfigParamsSchema = z.strictObject({
  type: z.literal('cloud'),
  networking: networkingParamsSchema.nullish(),
  packages: packagesParamsSchema.nullish(),
});

const selfHostedConfigParamsSchema = z.strictObject({ type: z.literal('self_hosted') });

const configParamsSchema = z.discriminatedUnion('type', [cloudConfigParamsSchema, selfHostedConfigParamsSchema]);

const scopeSchema = z.enum(['organization', 'account']);

export type EnvironmentScope = z.output<typeof scopeSchema>;
export type EnvironmentConfigParams = z.output<typeof configParamsSchema>;
type CloudConfigParams = z.output<typeof cloudConfigParamsSchema>;
type NetworkingParams = z.output<typeof networkingParamsSchema>;
type PackagesParams = z.output<typeof packagesParamsSchema>;
export type EnvironmentConfig = BetaCloudConfig | BetaSelfHostedConfig;
type Networking = BetaUnrestrictedNetwork | BetaLimitedNetwork;

const PACKAGE_MANAGERS = ['apt', 'cargo', 'gem', 'go', 'npm', 'pip'] as const;

export const PACKAGES_NEED_PACKAGE_MANAGERS =
  '`networking.allow_package_managers` must be `true` when `packages` are specified under `limited` networking.';

const allowPackageManagersPath = () => ['config', 'networking', 'allow_package_managers'];

/**
 * "Specified" is read as "at least one package listed": a retrieved environment always carries
 * `packages` (all lists empty), and it must be possible to send that config back unchanged.
 */
function listsAnyPackage(packages: PackagesParams | BetaPackages | null | undefined): boolean {
  return PACKAGE_MANAGERS.some((manager) => (packages?.[manager]?.length ?? 0) > 0);
}

/**
 * On create an omitted `allow_package_managers` is `false`; on update it preserves the stored
 * value, which the schema cannot see, so only an explicit `false` is rejected there and the
 * merged config is checked again with `configIssue`.
 */
function checkPackageRule(mode: 'create' | 'update') {
  return (body: { config?: EnvironmentConfigParams | null | undefined }, ctx: z.RefinementCtx) => {
    const config = body.config;
    if (config?.type !== 'cloud' || config.networking?.type !== 'limited') return;
    if (!listsAnyPackage(config.packages)) return;
    const allowed = config.networking.allow_package_managers;
    const violates = mode === 'create' ? allowed !== true : allowed === false;
    if (!violates) return;
    ctx.addIssue({ code: 'custom', path: allowPackageManagersPath(), message: PACKAGES_NEED_PACKAGE_MANAGERS });
  };
}

export const environmentCreateSchema = z
  .strictObject({
    name: z.string(),
    config: configParamsSchema.nullish(),
    description: z.string().nullish(),
    metadata: z.record(z.string(), z.string()).optional(),
    scope: scopeSchema.nullish(),
  })
  .superRefine(checkPackageRule('create'));

export const environmentUpdateSchema = z
  .strictObject({
    config: configParamsSchema.nullish(),
    description: z.string().nullish(),
    metadata: z.record(z.string(), z.string().nullable()).optional(),
    name: z.string().nullish(),
    scope: scopeSchema.nullish(),
  })
  .superRefine(checkPackageRule('update'));

export type EnvironmentCreateBody = z.output<typeof environmentCreateSchema>;
export type EnvironmentUpdateBody = z.output<typeof environmentUpdateSchema>;

/** The stored environment: `BetaEnvironment` minus the fields the server sets. */
export type EnvironmentBody = Omit<
  BetaEnvironment,
  'id' | 'created_at' | 'updated_at' | 'archived_at' | 'type' | 'scope'
> & { scope: EnvironmentScope };

// The SDK leaves omitted networking open; Anthropic-hosted sandboxes default to unrestricted.
const defaultNetworking = (): BetaUnrestrictedNetwork => ({ type: 'unrestricted' });

// BetaLimitedNetworkParams: allow_mcp_servers "Defaults to `false`", allow_package_managers
// "Defaults to `false` on creation"; allowed_hosts has no default, so it starts empty.
const limitedDefaults = (): BetaLimitedNetwork => ({
  type: 'limited',
  allowed_hosts: [],
  allow_mcp_servers: false,
  allow_package_managers: false,
});

function buildPackages(params: PackagesParams | null | undefined): BetaPackages {
  return {
    type: 'packages',
    apt: [...(params?.apt ?? [])],
    cargo: [...(params?.cargo ?? [])],
    gem: [...(params?.gem ?? [])],
    go: [...(params?.go ?? [])],
    npm: [...(params?.npm ?? [])],
    pip: [...(params?.pip ?? [])],
  };
}

function mergeNetworking(current: Networking | undefined, params: NetworkingParams): Networking {
  if (params.type === 'unrestricted') return { type: 'unrestricted' };
  const base = current?.type === 'limited' ? current : limitedDefaults();
  return {
    type: 'limited',
    allowed_hosts: [...(params.allowed_hosts ?? base.allowed_hosts)],
    allow_mcp_servers: params.allow_mcp_servers ?? base.allow_mcp_servers,
    allow_package_managers: params.allow_package_managers ?? base.allow_package_managers,
  };
}

// BetaCloudConfigParams: "on update, omitted fields preserve the existing value". Packages
// carry no such note, so a given `packages` replaces every list.
function mergeCloudConfig(current: BetaCloudConfig | undefined, params: CloudConfigParams): BetaCloudConfig {
  return {
    type: 'cloud',
    networking:
      params.networking == null
        ? (current?.networking ?? defaultNetworking())
        : mergeNetworking(current?.networking, params.networking),
    packages: params.packages == null ? (current?.packages ?? buildPackages(null)) : buildPackages(params.packages),
  };
}

function buildConfig(params: EnvironmentConfigParams | null | undefined): EnvironmentConfig {
  if (params?.type === 'self_hosted') return { type: 'self_hosted' };
  return mergeCloudConfig(undefined, params ?? { type: 'cloud' });
}

export function buildEnvironmentBody(params: EnvironmentCreateBody): EnvironmentBody {
  return {
    name: params.name,
    description: params.description ?? null,
    config: buildConfig(params.config),
    metadata: { ...params.metadata },
    // "If not specified, defaults based on organization type": Bosun has one kind of organization.
    scope: params.scope ?? 'organization',
  };
}

/** The API answers 400 `invalid_config_type_change` when this is true. */
export function configTypeChanged(current: Pick<EnvironmentBody, 'config'>, params: EnvironmentUpdateBody): boolean {
  return params.config != null && params.config.type !== current.config.type;
}

/** The package rule on a whole (merged) config; `undefined` when the config is acceptable. */
export function configIssue(config: EnvironmentConfig): { path: string[]; message: string } | undefined {
  if (config.type !== 'cloud' || config.networking.type !== 'limited') return undefined;
  if (config.networking.allow_package_managers || !listsAnyPackage(config.packages)) return undefined;
  return { path: allowPackageManagersPath(), message: PACKAGES_NEED_PACKAGE_MANAGERS };
}

// EnvironmentUpdateParams.metadata: "Set a value to null or empty string to delete the key."
function patchEnvironmentMetadata(
  current: Record<string, string>,
  patch: Record<string, string | null> | undefined,
): Record<string, string> {
  const next = { ...current };
  for (const [key, value] of Object.entries(patch ?? {})) {
    if (value === null || value === '') delete next[key];
    else next[key] = value;
  }
  return next;
}

function updateConfig(
  current: EnvironmentConfig,
  params: EnvironmentConfigParams | null | undefined,
): EnvironmentConfig {
  if (params == null) return current;
  if (params.type === 'cloud' && current.type === 'cloud') return mergeCloudConfig(current, params);
  if (params.type === 'self_hosted' && current.type === 'self_hosted') return current;
  throw new RangeError('config.type cannot change; check configTypeChanged() first');
}

/**
 * Applies an update. `description`: omitted keeps, null clears, "" is stored as "". `name`,
 * `scope` and `config` have no clear-to-null meaning, so null keeps them. Call `configTypeChanged`
 * before and `configIssue` on the result.
 */
export function applyEnvironmentUpdate(current: EnvironmentBody, params: EnvironmentUpdateBody): EnvironmentBody {
  return {
    name: params.name ?? current.name,
    description: params.description === undefined ? current.description : params.description,
    config: updateConfig(current.config, params.config),
    metadata: patchEnvironmentMetadata(current.metadata, params.metadata),
    scope: params.scope ?? current.scope,
  };
}
