import { z } from 'zod';
import type {
  BetaManagedAgentsAgent,
  BetaManagedAgentsAgentToolConfig,
  BetaManagedAgentsAgentToolset20260401,
  BetaManagedAgentsMCPToolset,
  BetaManagedAgentsWebFetchURLSourceToolFilter,
  BetaManagedAgentsWebFetchURLSources,
} from '@anthropic-ai/sdk/resources/beta/agents/agents.js';

/** The tools of `agent_toolset_20260401`, in the order the SDK's config union lists them. */
export const TOOLSET_TOOL_NAMES = ['bash', 'edit', 'read', 'write', 'glob', 'grep', 'web_fetch', 'web_search'] as const;
export type ToolsetToolName = (typeof TOOLSET_TOOL_NAMES)[number];

/**
 * `string | object` params, with the issues of the branch the input's JS type selects: a plain
 * `z.union` would report one `invalid_union` at the parent instead of the field inside the object.
 */
export function stringOr<S extends z.ZodType, O extends z.ZodType>(
  str: S,
  obj: O,
): z.ZodType<z.output<S> | z.output<O>, z.input<S> | z.input<O>> {
  const dispatch = z.unknown().transform((input, ctx) => {
    const result = (typeof input === 'string' ? str : obj).safeParse(input);
    if (result.success) return result.data;
    result.error.issues.forEach((issue) => ctx.addIssue(issue as Parameters<typeof ctx.addIssue>[0]));
    return z.NEVER;
  });
  return dispatch as unknown as z.ZodType<z.output<S> | z.output<O>, z.input<S> | z.input<O>>;
}

const permissionPolicySchema = z.strictObject({ type: z.enum(['always_allow', 'always_ask', 'auto']) });
export type PermissionPolicy = z.output<typeof permissionPolicySchema>;

/**
 * Hosted defaults (platform docs, "Permission policies"; the SDK is silent): the built-in toolset
 * runs without asking, while MCP tools ask so that a tool newly added to a server cannot run unseen.
 */
export const DEFAULT_TOOLSET_POLICY: PermissionPolicy = { type: 'always_allow' };
export const DEFAULT_MCP_POLICY: PermissionPolicy = { type: 'always_ask' };

const overrideFields = {
  enabled: z.boolean().nullish(),
  permission_policy: permissionPolicySchema.nullish(),
};
const defaultConfigSchema = z.strictObject(overrideFields);

// web_fetch forbids any path; web_search "accepts an optional path suffix".
const fetchDomain = z.hostname();
const searchDomain = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?:\/\S*)?$/, {
    message: 'Expected a plain hostname, optionally followed by a path (no scheme or port)',
  });
const domainList = (entry: z.ZodType<string>) => z.array(entry).min(1).max(64).optional();

const toolReferenceSchema = z.strictObject({ name: z.string(), type: z.literal('tool_reference') });
const toolListSchema = z
  .array(toolReferenceSchema)
  .min(1)
  .max(128)
  .superRefine((refs, ctx) => {
    duplicateIndexes(refs.map((r) => r.name)).forEach((i) =>
      ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'Tool names in a list must be distinct' }),
    );
  });
const toolFilterSchema = stringOr(
  z.enum(['all', 'none']),
  z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('all') }),
    z.strictObject({ type: z.literal('none') }),
    z.strictObject({ type: z.literal('only'), tools: toolListSchema }),
    z.strictObject({ type: z.literal('except'), tools: toolListSchema }),
  ]),
);
const userInputFilterSchema = stringOr(z.enum(['all', 'none']), z.strictObject({ type: z.enum(['all', 'none']) }));
type ToolFilterParams = z.output<typeof toolFilterSchema>;

const urlSourcesSchema = z
  .strictObject({
    client_tool_results: toolFilterSchema.nullish(),
    server_tool_results: toolFilterSchema.nullish(),
    user_input: userInputFilterSchema.nullish(),
  })
  .superRefine((s, ctx) => {
    if ([s.client_tool_results, s.server_tool_results, s.user_input].every(isNoneFilter)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'Setting all three url_sources keys to "none" is rejected' });
    }
    filterNames(s.server_tool_results).forEach(({ name, index }) => {
      if (name !== 'web_search' && name !== 'web_fetch') {
        ctx.addIssue({
          code: 'custom',
          path: ['server_tool_results', 'tools', index, 'name'],
          message: 'Each name must be "web_search" or "web_fetch"',
        });
      }
    });
  });
type UrlSourcesParams = z.output<typeof urlSourcesSchema>;

const userLocationSchema = z.strictObject({
  type: z.literal('approximate'),
  city: z.string().nullish(),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, { message: 'Expected a two-letter uppercase ISO 3166-1 country code' })
    .nullish(),
  region: z.string().nullish(),
  timezone: z.string().nullish(),
});

const simpleToolConfig = <N extends ToolsetToolName>(name: N) =>
  z.strictObject({ name: z.literal(name), type: z.literal(name).optional(), ...overrideFields });

const webFetchConfigSchema = z
  .strictObject({
    name: z.literal('web_fetch'),
    type: z.literal('web_fetch').optional(),
    ...overrideFields,
    allowed_domains: domainList(fetchDomain),
    blocked_domains: domainList(fetchDomain),
    max_content_tokens: z.number().int().positive().nullish(),
    url_sources: urlSourcesSchema.nullish(),
  })
  .superRefine(exclusiveDomainLists);

const webSearchConfigSchema = z
  .strictObject({
    name: z.literal('web_search'),
    type: z.literal('web_search').optional(),
    ...overrideFields,
    allowed_domains: domainList(searchDomain),
    blocked_domains: domainList(searchDomain),
    user_location: userLocationSchema.nullish(),
  })
  .superRefine(exclusiveDomainLists);

const toolConfigSchema = z.discriminatedUnion('name', [
  simpleToolConfig('bash'),
  simpleToolConfig('edit'),
  simpleToolConfig('read'),
  simpleToolConfig('write'),
  simpleToolConfig('glob'),
  simpleToolConfig('grep'),
  webFetchConfigSchema,
  webSearchConfigSchema,
]);
type ToolConfigParams = z.output<typeof toolConfigSchema>;

const agentToolsetSchema = z.strictObject({
  type: z.literal('agent_toolset_20260401'),
  configs: z.array(toolConfigSchema).superRefine(uniqueConfigNames).optional(),
  default_config: defaultConfigSchema.nullish(),
});

const mcpToolConfigSchema = z.strictObject({ name: z.string().min(1).max(128), ...overrideFields });
const mcpToolsetSchema = z.strictObject({
  type: z.literal('mcp_toolset'),
  mcp_server_name: z.string().min(1).max(255),
  configs: z.array(mcpToolConfigSchema).superRefine(uniqueConfigNames).optional(),
  default_config: defaultConfigSchema.nullish(),
});

const inputSchemaSchema = z.looseObject({
  type: z.literal('object'),
  properties: z.record(z.string(), z.unknown()).nullish(),
  required: z.array(z.string()).nullish(),
});
const customToolSchema = z.strictObject({
  type: z.literal('custom'),
  name: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, {
    message: 'Expected 1-128 characters: letters, digits, underscores and hyphens',
  }),
  description: z.string(),
  input_schema: inputSchemaSchema,
});

export const toolParamsSchema = z.discriminatedUnion('type', [agentToolsetSchema, mcpToolsetSchema, customToolSchema]);
export type ToolParams = z.output<typeof toolParamsSchema>;

/**
 * The `tools` array, as create and update both accept it. The 256 cap counts array entries: how many
 * tools an MCP server exposes is only known once it is reached, so a stricter count can't be made here.
 */
export const toolsSchema = z.array(toolParamsSchema).max(256).superRefine(toolsArrayIssues);

function toolsArrayIssues(tools: ToolParams[], ctx: z.RefinementCtx): void {
  const customNames = tools.map((t) => (t.type === 'custom' ? t.name : undefined));
  duplicateIndexes(customNames).forEach((i) =>
    ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'Custom tool names must be unique' }),
  );
  const known = new Set(customNames.filter((n) => n !== undefined));
  tools.forEach((tool, t) => {
    if (tool.type !== 'agent_toolset_20260401') return;
    tool.configs?.forEach((config, c) => {
      if (config.name !== 'web_fetch') return;
      filterNames(config.url_sources?.client_tool_results).forEach(({ name, index }) => {
        if (known.has(name)) return;
        ctx.addIssue({
          code: 'custom',
          path: [t, 'configs', c, 'url_sources', 'client_tool_results', 'tools', index, 'name'],
          message: `"${name}" is not a custom tool in this tools array`,
        });
      });
    });
  });
}

type AgentTool = BetaManagedAgentsAgent['tools'][number];

export function resolveTool(params: ToolParams): AgentTool {
  switch (params.type) {
    case 'agent_toolset_20260401':
      return resolveAgentToolset(params);
    case 'mcp_toolset':
      return resolveMcpToolset(params);
    case 'custom':
      return { type: 'custom', name: params.name, description: params.description, input_schema: params.input_schema };
  }
}

interface ResolvedDefaults {
  enabled: boolean;
  permission_policy: PermissionPolicy;
}

function resolveDefaults(config: z.output<typeof defaultConfigSchema> | null | undefined, policy: PermissionPolicy) {
  // "Whether tools are enabled ... Defaults to true if not specified."
  return { enabled: config?.enabled ?? true, permission_policy: config?.permission_policy ?? { ...policy } };
}

function applyOverride(override: z.output<typeof defaultConfigSchema> | undefined, defaults: ResolvedDefaults) {
  return {
    enabled: override?.enabled ?? defaults.enabled,
    permission_policy: override?.permission_policy ?? defaults.permission_policy,
  };
}

/** Responses list every tool of the set with its effective settings, not just the overridden ones. */
export function resolveAgentToolset(
  params: z.output<typeof agentToolsetSchema>,
): BetaManagedAgentsAgentToolset20260401 {
  const defaults = resolveDefaults(params.default_config, DEFAULT_TOOLSET_POLICY);
  const configs = TOOLSET_TOOL_NAMES.map((name) => {
    const override = params.configs?.find((c) => c.name === name);
    return resolveToolConfig(name, override, applyOverride(override, defaults));
  });
  return { type: 'agent_toolset_20260401', default_config: defaults, configs };
}

function resolveToolConfig(
  name: ToolsetToolName,
  override: ToolConfigParams | undefined,
  effective: ResolvedDefaults,
): BetaManagedAgentsAgentToolConfig {
  if (name === 'web_fetch') {
    const o = override?.name === 'web_fetch' ? override : undefined;
    return {
      name,
      type: name,
      ...effective,
      url_sources: resolveUrlSources(o?.url_sources),
      ...definedOnly({ allowed_domains: o?.allowed_domains, blocked_domains: o?.blocked_domains }),
      ...definedOnly({ max_content_tokens: o?.max_content_tokens ?? undefined }),
    };
  }
  if (name === 'web_search') {
    const o = override?.name === 'web_search' ? override : undefined;
    return {
      name,
      type: name,
      ...effective,
      ...definedOnly({ allowed_domains: o?.allowed_domains, blocked_domains: o?.blocked_domains }),
      ...definedOnly({ user_location: o?.user_location ?? undefined }),
    };
  }
  return { ...TOOL_IDENTITY[name], ...effective };
}

// Lets TypeScript see that `name` and `type` always agree, which a plain `{ name, type: name }` hides.
const TOOL_IDENTITY = Object.fromEntries(TOOLSET_TOOL_NAMES.map((n) => [n, { name: n, type: n }])) as {
  [N in ToolsetToolName]: { name: N; type: N };
};

/** MCP tool names are only known at run time, so only the overridden tools can be listed. */
export function resolveMcpToolset(params: z.output<typeof mcpToolsetSchema>): BetaManagedAgentsMCPToolset {
  const defaults = resolveDefaults(params.default_config, DEFAULT_MCP_POLICY);
  return {
    type: 'mcp_toolset',
    mcp_server_name: params.mcp_server_name,
    default_config: defaults,
    configs: (params.configs ?? []).map((c) => ({ name: c.name, ...applyOverride(c, defaults) })),
  };
}

// "Responses use the object form"; a key that was not set stays null.
function resolveUrlSources(params: UrlSourcesParams | null | undefined): BetaManagedAgentsWebFetchURLSources | null {
  if (params == null) return null;
  return {
    client_tool_results: toFilterObject(params.client_tool_results),
    server_tool_results: toFilterObject(params.server_tool_results),
    user_input: params.user_input == null ? null : { type: filterType(params.user_input) },
  };
}

function filterType<T extends string>(filter: T | { type: T }): T {
  return typeof filter === 'string' ? filter : filter.type;
}

function toFilterObject(
  filter: ToolFilterParams | null | undefined,
): BetaManagedAgentsWebFetchURLSourceToolFilter | null {
  if (filter == null) return null;
  return typeof filter === 'string' ? { type: filter } : filter;
}

function isNoneFilter(filter: ToolFilterParams | z.output<typeof userInputFilterSchema> | null | undefined): boolean {
  return filter === 'none' || (typeof filter === 'object' && filter?.type === 'none');
}

function filterNames(filter: ToolFilterParams | null | undefined): { name: string; index: number }[] {
  if (filter == null || typeof filter === 'string' || !('tools' in filter)) return [];
  return filter.tools.map((t, index) => ({ name: t.name, index }));
}

function exclusiveDomainLists(
  config: { allowed_domains?: string[]; blocked_domains?: string[] },
  ctx: z.RefinementCtx,
) {
  if (config.allowed_domains && config.blocked_domains) {
    ctx.addIssue({
      code: 'custom',
      path: ['blocked_domains'],
      message: 'allowed_domains and blocked_domains cannot be combined',
    });
  }
}

// The SDK does not say which of two configs for one tool wins, so neither is allowed to.
function uniqueConfigNames(configs: { name: string }[], ctx: z.RefinementCtx): void {
  duplicateIndexes(configs.map((c) => c.name)).forEach((i) =>
    ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'Each tool may be configured at most once' }),
  );
}

/** Every server is referenced by an `mcp_toolset`, and every `mcp_toolset` names a declared server. */
export function mcpReferenceIssues(agent: {
  mcp_servers?: { name: string }[] | null | undefined;
  tools?: ({ type: string } | { type: 'mcp_toolset'; mcp_server_name: string })[] | null | undefined;
}): z.core.$ZodIssueCustom[] {
  const servers = (agent.mcp_servers ?? []).map((s) => s.name);
  const toolsets = (agent.tools ?? []).map((t) => ('mcp_server_name' in t ? t.mcp_server_name : undefined));
  const unreferenced = servers.flatMap((name, i) =>
    toolsets.includes(name)
      ? []
      : [
          customIssue(
            ['mcp_servers', i, 'name'],
            `MCP server "${name}" is not referenced by any mcp_toolset in tools`,
            name,
          ),
        ],
  );
  const undeclared = toolsets.flatMap((name, i) =>
    name === undefined || servers.includes(name)
      ? []
      : [customIssue(['tools', i, 'mcp_server_name'], `"${name}" does not name a server in mcp_servers`, name)],
  );
  return [...unreferenced, ...undeclared];
}

export function customIssue(path: (string | number)[], message: string, input: unknown): z.core.$ZodIssueCustom {
  return { code: 'custom', path, message, input };
}

/** Indexes of entries whose value already appeared earlier; `undefined` entries never collide. */
export function duplicateIndexes(values: (string | undefined)[]): number[] {
  const seen = new Set<string>();
  return values.flatMap((v, i) => {
    if (v === undefined) return [];
    if (seen.has(v)) return [i];
    seen.add(v);
    return [];
  });
}

function definedOnly<T extends Record<string, unknown>>(
  fields: T,
): Partial<{ [K in keyof T]: Exclude<T[K], undefined> }> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<{
    [K in keyof T]: Exclude<T[K], undefined>;
  }>;
}
