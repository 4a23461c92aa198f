import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { BetaManagedAgentsAgent } from '@anthropic-ai/sdk/resources/beta/agents/agents.js';
import {
  agentBodiesEqual,
  agentCreateSchema,
  agentUpdateSchema,
  applyAgentUpdate,
  buildAgentBody,
  DEFAULT_EFFORT,
  pickAgentBody,
  type AgentBody,
  type AgentCreateBody,
  type AgentCreateInput,
  type AgentRefResolver,
  type AgentUpdateBody,
  type AgentUpdateInput,
} from './agent.js';

const refs: AgentRefResolver = {
  selfId: 'agent_self',
  agentVersion: (_id, requested) => requested ?? 7,
  latestSkillVersion: (skill) => `latest-of-${skill.skill_id}`,
};

const minimal = { model: 'claude-opus-5-5', name: 'Minimal' } satisfies AgentCreateBody;

// `satisfies` pins the fixture to the SDK's own params type, so "maximal" means what the SDK can send.
const maximal = {
  model: { id: 'claude-opus-5-5', effort: 'max', inference_geo: 'eu', speed: 'fast' },
  name: 'Maximal',
  description: 'Does everything',
  system: 'Be thorough.',
  execution_identity: { type: 'aws_role', role_arn: 'arn:aws:iam::123456789012:role/runner' },
  mcp_servers: [{ type: 'url', name: 'github', url: 'https://mcp.example.com/github' }],
  metadata: { team: 'infra' },
  skills: [
    { type: 'anthropic', skill_id: 'xlsx' },
    { type: 'custom', skill_id: 'skill_01', version: '3' },
  ],
  multiagent: {
    type: 'multiagent_20261001',
    advisor: { type: 'enabled', model: 'claude-opus-5-5' },
    subagents: {
      type: 'enabled',
      inline_agents: { type: 'disabled' },
      predefined_agents: ['agent_a', { type: 'self' }],
    },
    workflows: null,
  },
  tools: [
    {
      type: 'agent_toolset_20260401',
      default_config: { enabled: true, permission_policy: { type: 'always_ask' } },
      configs: [
        { name: 'bash', type: 'bash', enabled: false },
        {
          name: 'web_fetch',
          allowed_domains: ['docs.example.com'],
          max_content_tokens: 5000,
          permission_policy: { type: 'auto' },
          url_sources: {
            user_input: 'none',
            server_tool_results: { type: 'only', tools: [{ type: 'tool_reference', name: 'web_search' }] },
            client_tool_results: { type: 'except', tools: [{ type: 'tool_reference', name: 'lookup' }] },
          },
        },
        {
          name: 'web_search',
          blocked_domains: ['ads.example.com/path'],
          user_location: { type: 'approximate', country: 'GB', city: 'London', timezone: 'Europe/London' },
        },
      ],
    },
    {
      type: 'mcp_toolset',
      mcp_server_name: 'github',
      default_config: { permission_policy: null },
      configs: [{ name: 'create_issue', permission_policy: { type: 'always_allow' } }],
    },
    {
      type: 'custom',
      name: 'lookup',
      description: 'Looks things up',
      input_schema: {
        type: 'object',
        properties: { q: { type: 'string' } },
        required: ['q'],
        additionalProperties: false,
      },
    },
  ],
} satisfies AgentCreateBody;

const create = (body: unknown): AgentBody => buildAgentBody(agentCreateSchema.parse(body), refs);
const stored = (body: unknown, version = 1) => ({ ...create(body), version });
const update = (current: AgentBody & { version: number }, body: unknown) =>
  applyAgentUpdate(current, agentUpdateSchema.parse(body), refs);

function issuesOf(schema: z.ZodType, body: unknown) {
  const result = schema.safeParse(body);
  if (result.success) throw new Error('expected the body to be rejected');
  return result.error.issues;
}
const pathsOf = (schema: z.ZodType, body: unknown) => issuesOf(schema, body).map((i) => i.path);

function thrownPaths(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    if (err instanceof z.ZodError) return err.issues.map((i) => i.path);
    throw err;
  }
  throw new Error('expected a ZodError');
}

describe('compile-time pins against the SDK types', () => {
  it('accepts every SDK body and yields values the SDK params type accepts', () => {
    expectTypeOf<AgentCreateBody>().toExtend<z.input<typeof agentCreateSchema>>();
    expectTypeOf<AgentUpdateBody>().toExtend<z.input<typeof agentUpdateSchema>>();
    expectTypeOf<AgentCreateInput>().toExtend<AgentCreateBody>();
    expectTypeOf<AgentUpdateInput>().toExtend<AgentUpdateBody>();
  });

  it('builds bodies that make a complete BetaManagedAgentsAgent', () => {
    const stamp = {
      id: 'agent_1',
      type: 'agent' as const,
      version: 1,
      created_at: 't',
      updated_at: 't',
      archived_at: null,
    };
    const agent = { ...create(maximal), ...stamp } satisfies BetaManagedAgentsAgent;
    expect(pickAgentBody(agent)).toEqual(create(maximal));
  });
});

describe('create', () => {
  it('fills the response defaults for a minimal body', () => {
    expect(create(minimal)).toEqual({
      name: 'Minimal',
      description: null,
      system: null,
      model: { id: 'claude-opus-5-5', effort: { type: DEFAULT_EFFORT }, speed: 'standard' },
      metadata: {},
      tools: [],
      mcp_servers: [],
      skills: [],
      multiagent: null,
      execution_identity: { type: 'service_account' },
    });
  });

  it('parses and normalizes a maximal body', () => {
    const body = create(maximal);
    expect(body.model).toEqual({ id: 'claude-opus-5-5', effort: { type: 'max' }, speed: 'fast', inference_geo: 'eu' });
    expect(body.execution_identity).toEqual(maximal.execution_identity);
    expect(body.mcp_servers).toEqual(maximal.mcp_servers);
    expect(body.skills).toEqual([
      { type: 'anthropic', skill_id: 'xlsx', version: 'latest-of-xlsx' },
      { type: 'custom', skill_id: 'skill_01', version: '3' },
    ]);
    expect(body.tools[2]).toEqual(maximal.tools[2]);
    expect(body.multiagent).toEqual({
      type: 'multiagent_20261001',
      advisor: { type: 'enabled', model: 'claude-opus-5-5' },
      subagents: {
        type: 'enabled',
        inline_agents: { type: 'disabled' },
        predefined_agents: [
          { type: 'agent', id: 'agent_a', version: 7 },
          { type: 'agent', id: 'agent_self', version: 1 },
        ],
      },
      workflows: { type: 'enabled', inline_agents: { type: 'enabled' }, predefined_agents: [] },
    });
  });

  it('stores an empty description or system as null', () => {
    expect(create({ ...minimal, description: '', system: null })).toMatchObject({ description: null, system: null });
  });

  it.each([
    ['null', null],
    ['the service account', { type: 'service_account' }],
  ])('stores the default execution identity for %s', (_, execution_identity) => {
    expect(create({ ...minimal, execution_identity }).execution_identity).toEqual({ type: 'service_account' });
  });
});

describe('unknown fields', () => {
  it.each([
    ['top level', { ...minimal, colour: 'red' }, []],
    ['model object', { ...minimal, model: { id: 'm', temperature: 1 } }, ['model']],
    [
      'default_config',
      { ...minimal, tools: [{ type: 'agent_toolset_20260401', default_config: { x: 1 } }] },
      ['tools', 0, 'default_config'],
    ],
    [
      'tool config',
      { ...minimal, tools: [{ type: 'agent_toolset_20260401', configs: [{ name: 'bash', timeout: 1 }] }] },
      ['tools', 0, 'configs', 0],
    ],
    ['skill', { ...minimal, skills: [{ type: 'anthropic', skill_id: 'x', pinned: true }] }, ['skills', 0]],
  ])('rejects an unknown key in the %s', (_, body, path) => {
    const [issue] = issuesOf(agentCreateSchema, body);
    expect(issue).toMatchObject({ code: 'unrecognized_keys', path });
    expect(issue?.code === 'unrecognized_keys' && issue.keys).toHaveLength(1);
  });

  it('rejects an unknown key in an update', () => {
    expect(issuesOf(agentUpdateSchema, { nmae: 'typo' })[0]).toMatchObject({
      code: 'unrecognized_keys',
      keys: ['nmae'],
    });
  });
});

const server = (name: string) => ({ type: 'url', name, url: `https://mcp.example.com/${name}` });
const mcpToolset = (name: string) => ({ type: 'mcp_toolset', mcp_server_name: name });
const customTool = (name: string) => ({ type: 'custom', name, description: 'd', input_schema: { type: 'object' } });
const toolset = (configs: unknown[]) => ({ type: 'agent_toolset_20260401', configs });
const webFetch = (extra: object) => toolset([{ name: 'web_fetch', ...extra }]);
const names = (n: number, prefix = 's') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const long = (n: number) => 'x'.repeat(n);

describe('limits on create', () => {
  it.each<[string, object, PropertyKey[]]>([
    ['an empty name', { name: '' }, ['name']],
    ['21 MCP servers', { mcp_servers: names(21).map(server), tools: names(21).map(mcpToolset) }, ['mcp_servers']],
    [
      'duplicate MCP server names',
      { mcp_servers: [server('a'), server('a')], tools: [mcpToolset('a')] },
      ['mcp_servers', 1, 'name'],
    ],
    [
      'an MCP server name over 255 chars',
      { mcp_servers: [server(long(256))], tools: [mcpToolset(long(256))] },
      ['mcp_servers', 0, 'name'],
    ],
    [
      'a non-http MCP url',
      { mcp_servers: [{ ...server('a'), url: 'ftp://x' }], tools: [mcpToolset('a')] },
      ['mcp_servers', 0, 'url'],
    ],
    [
      'an unreferenced MCP server',
      { mcp_servers: [server('a'), server('b')], tools: [mcpToolset('a')] },
      ['mcp_servers', 1, 'name'],
    ],
    ['a toolset naming an undeclared server', { tools: [mcpToolset('ghost')] }, ['tools', 0, 'mcp_server_name']],
    ['257 tools', { tools: names(257, 't').map(customTool) }, ['tools']],
    ['duplicate custom tool names', { tools: [customTool('a'), customTool('a')] }, ['tools', 1, 'name']],
    ['a custom tool name with a space', { tools: [customTool('a b')] }, ['tools', 0, 'name']],
    ['a custom tool name over 128 chars', { tools: [customTool(long(129))] }, ['tools', 0, 'name']],
    [
      'an MCP tool name over 128 chars',
      { mcp_servers: [server('a')], tools: [{ ...mcpToolset('a'), configs: [{ name: long(129) }] }] },
      ['tools', 0, 'configs', 0, 'name'],
    ],
    ['a toolset server name over 255 chars', { tools: [mcpToolset(long(256))] }, ['tools', 0, 'mcp_server_name']],
    [
      'two configs for one tool',
      { tools: [toolset([{ name: 'bash' }, { name: 'bash' }])] },
      ['tools', 0, 'configs', 1, 'name'],
    ],
    [
      'a tool config whose type differs from its name',
      { tools: [toolset([{ name: 'bash', type: 'read' }])] },
      ['tools', 0, 'configs', 0, 'type'],
    ],
    [
      'an unknown permission policy',
      { tools: [toolset([{ name: 'read', permission_policy: { type: 'never' } }])] },
      ['tools', 0, 'configs', 0, 'permission_policy', 'type'],
    ],
    ['17 metadata pairs', { metadata: Object.fromEntries(names(17).map((k) => [k, 'v'])) }, ['metadata']],
    ['a metadata key over 64 chars', { metadata: { [long(65)]: 'v' } }, ['metadata', long(65)]],
    ['a metadata value over 512 chars', { metadata: { k: long(513) } }, ['metadata', 'k']],
    [
      'a role ARN over 2048 chars',
      { execution_identity: { type: 'aws_role', role_arn: long(2049) } },
      ['execution_identity', 'role_arn'],
    ],
    [
      'an empty allowed_domains',
      { tools: [webFetch({ allowed_domains: [] })] },
      ['tools', 0, 'configs', 0, 'allowed_domains'],
    ],
    [
      '65 allowed_domains',
      { tools: [webFetch({ allowed_domains: names(65, 'd').map((d) => `${d}.com`) })] },
      ['tools', 0, 'configs', 0, 'allowed_domains'],
    ],
    [
      'allowed and blocked domains together',
      { tools: [webFetch({ allowed_domains: ['a.com'], blocked_domains: ['b.com'] })] },
      ['tools', 0, 'configs', 0, 'blocked_domains'],
    ],
    [
      'a fetch domain with a scheme',
      { tools: [webFetch({ blocked_domains: ['https://a.com'] })] },
      ['tools', 0, 'configs', 0, 'blocked_domains', 0],
    ],
    [
      'a fetch domain with a path',
      { tools: [webFetch({ blocked_domains: ['a.com/x'] })] },
      ['tools', 0, 'configs', 0, 'blocked_domains', 0],
    ],
    [
      'a search domain with a port',
      { tools: [toolset([{ name: 'web_search', allowed_domains: ['a.com:443'] }])] },
      ['tools', 0, 'configs', 0, 'allowed_domains', 0],
    ],
    [
      'a lowercase country code',
      { tools: [toolset([{ name: 'web_search', user_location: { type: 'approximate', country: 'gb' } }])] },
      ['tools', 0, 'configs', 0, 'user_location', 'country'],
    ],
    [
      'every url source set to none',
      {
        tools: [
          webFetch({
            url_sources: { user_input: 'none', server_tool_results: { type: 'none' }, client_tool_results: 'none' },
          }),
        ],
      },
      ['tools', 0, 'configs', 0, 'url_sources'],
    ],
    [
      'an empty only list',
      { tools: [webFetch({ url_sources: { server_tool_results: { type: 'only', tools: [] } } })] },
      ['tools', 0, 'configs', 0, 'url_sources', 'server_tool_results', 'tools'],
    ],
    [
      'a repeated tool reference',
      {
        tools: [
          webFetch({
            url_sources: {
              server_tool_results: {
                type: 'except',
                tools: [
                  { type: 'tool_reference', name: 'web_fetch' },
                  { type: 'tool_reference', name: 'web_fetch' },
                ],
              },
            },
          }),
        ],
      },
      ['tools', 0, 'configs', 0, 'url_sources', 'server_tool_results', 'tools', 1, 'name'],
    ],
    [
      'a server source that is not a server tool',
      {
        tools: [
          webFetch({
            url_sources: { server_tool_results: { type: 'only', tools: [{ type: 'tool_reference', name: 'bash' }] } },
          }),
        ],
      },
      ['tools', 0, 'configs', 0, 'url_sources', 'server_tool_results', 'tools', 0, 'name'],
    ],
    [
      'a client source that is not a custom tool',
      {
        tools: [
          customTool('a'),
          webFetch({
            url_sources: { client_tool_results: { type: 'only', tools: [{ type: 'tool_reference', name: 'b' }] } },
          }),
        ],
      },
      ['tools', 1, 'configs', 0, 'url_sources', 'client_tool_results', 'tools', 0, 'name'],
    ],
    [
      'a zero max_content_tokens',
      { tools: [webFetch({ max_content_tokens: 0 })] },
      ['tools', 0, 'configs', 0, 'max_content_tokens'],
    ],
    ['an empty coordinator roster', { multiagent: { type: 'coordinator', agents: [] } }, ['multiagent', 'agents']],
    [
      '21 coordinator entries',
      { multiagent: { type: 'coordinator', agents: names(21, 'agent_') } },
      ['multiagent', 'agents'],
    ],
    [
      '21 predefined agents',
      {
        multiagent: {
          type: 'multiagent_20261001',
          workflows: { type: 'enabled', predefined_agents: names(21, 'agent_') },
        },
      },
      ['multiagent', 'workflows', 'predefined_agents'],
    ],
    [
      'a roster version of 0',
      { multiagent: { type: 'coordinator', agents: [{ type: 'agent', id: 'agent_a', version: 0 }] } },
      ['multiagent', 'agents', 0, 'version'],
    ],
    ['a bad effort', { model: { id: 'm', effort: 'extreme' } }, ['model', 'effort']],
    ['an unknown speed', { model: { id: 'm', speed: 'ludicrous' } }, ['model', 'speed']],
  ])('rejects %s', (_, fields, path) => {
    expect(pathsOf(agentCreateSchema, { ...minimal, ...fields })).toContainEqual(path);
  });

  it('accepts each limit at its edge', () => {
    const edge = {
      ...minimal,
      mcp_servers: names(20).map(server),
      tools: [...names(20).map(mcpToolset), ...names(236, 't').map(customTool)],
      metadata: Object.fromEntries(names(16).map((k) => [k.padEnd(64, 'k'), long(512)])),
    };
    expect(agentCreateSchema.safeParse(edge).success).toBe(true);
  });

  it.each<[string, object, PropertyKey[]]>([
    [
      'the same agent twice',
      { type: 'coordinator', agents: ['agent_a', { type: 'agent', id: 'agent_a' }] },
      ['multiagent', 'agents', 1],
    ],
    ['self twice', { type: 'coordinator', agents: [{ type: 'self' }, { type: 'self' }] }, ['multiagent', 'agents', 1]],
    [
      'self and its own id',
      { type: 'coordinator', agents: [{ type: 'self' }, 'agent_self'] },
      ['multiagent', 'agents', 1],
    ],
    [
      'no inline and no predefined agents',
      { type: 'multiagent_20261001', subagents: { type: 'enabled', inline_agents: { type: 'disabled' } } },
      ['multiagent', 'subagents', 'predefined_agents'],
    ],
  ])('rejects a multiagent roster with %s', (_, multiagent, path) => {
    expect(thrownPaths(() => create({ ...minimal, multiagent }))).toEqual([path]);
  });
});

describe('model', () => {
  it.each([
    ['a bare string', 'claude-opus-5-5', { id: 'claude-opus-5-5', effort: { type: 'high' }, speed: 'standard' }],
    ['a bare effort level', { id: 'm', effort: 'low' }, { id: 'm', effort: { type: 'low' }, speed: 'standard' }],
    [
      'an effort object',
      { id: 'm', effort: { type: 'xhigh' }, speed: null },
      { id: 'm', effort: { type: 'xhigh' }, speed: 'standard' },
    ],
    [
      'null effort and geo',
      { id: 'm', effort: null, inference_geo: null },
      { id: 'm', effort: { type: 'high' }, speed: 'standard' },
    ],
  ])('normalizes %s', (_, model, expected) => {
    expect(create({ ...minimal, model }).model).toEqual(expected);
  });

  it('takes the per-model default effort from the resolver', () => {
    const body = buildAgentBody(agentCreateSchema.parse(minimal), { ...refs, defaultEffort: () => 'medium' });
    expect(body.model.effort).toEqual({ type: 'medium' });
  });
});

describe('tool resolution', () => {
  const policy = (type: string) => ({ type });
  const resolvedTool = (name: string, enabled: boolean, permission: string) => ({
    name,
    type: name,
    enabled,
    permission_policy: policy(permission),
    ...(name === 'web_fetch' ? { url_sources: null } : {}),
  });

  it('lists every built-in tool, enabled and always_allow by default', () => {
    const [set] = create({ ...minimal, tools: [{ type: 'agent_toolset_20260401' }] }).tools;
    expect(set).toEqual({
      type: 'agent_toolset_20260401',
      default_config: { enabled: true, permission_policy: policy('always_allow') },
      configs: ['bash', 'edit', 'read', 'write', 'glob', 'grep', 'web_fetch', 'web_search'].map((n) =>
        resolvedTool(n, true, 'always_allow'),
      ),
    });
  });

  it('applies default_config, then per-tool overrides, with null meaning inherit', () => {
    const [set] = create({
      ...minimal,
      tools: [
        {
          type: 'agent_toolset_20260401',
          default_config: { enabled: false, permission_policy: { type: 'always_ask' } },
          configs: [
            { name: 'bash', enabled: true },
            { name: 'read', enabled: null, permission_policy: { type: 'auto' } },
            { name: 'grep', enabled: true, permission_policy: null },
          ],
        },
      ],
    }).tools;
    const effective = set?.type === 'agent_toolset_20260401' ? set.configs : [];
    expect(effective.map((c) => [c.name, c.enabled, c.permission_policy.type])).toEqual([
      ['bash', true, 'always_ask'],
      ['edit', false, 'always_ask'],
      ['read', false, 'auto'],
      ['write', false, 'always_ask'],
      ['glob', false, 'always_ask'],
      ['grep', true, 'always_ask'],
      ['web_fetch', false, 'always_ask'],
      ['web_search', false, 'always_ask'],
    ]);
  });

  it('keeps web tool settings and turns url_sources shorthands into objects', () => {
    const [set] = create(maximal).tools;
    const configs = set?.type === 'agent_toolset_20260401' ? set.configs : [];
    expect(configs.find((c) => c.name === 'web_fetch')).toEqual({
      name: 'web_fetch',
      type: 'web_fetch',
      enabled: true,
      permission_policy: policy('auto'),
      allowed_domains: ['docs.example.com'],
      max_content_tokens: 5000,
      url_sources: {
        user_input: { type: 'none' },
        server_tool_results: { type: 'only', tools: [{ type: 'tool_reference', name: 'web_search' }] },
        client_tool_results: { type: 'except', tools: [{ type: 'tool_reference', name: 'lookup' }] },
      },
    });
    expect(configs.find((c) => c.name === 'web_search')).toEqual({
      name: 'web_search',
      type: 'web_search',
      enabled: true,
      permission_policy: policy('always_ask'),
      blocked_domains: ['ads.example.com/path'],
      user_location: { type: 'approximate', country: 'GB', city: 'London', timezone: 'Europe/London' },
    });
    expect(configs.find((c) => c.name === 'bash')).toEqual(resolvedTool('bash', false, 'always_ask'));
  });

  it('resolves an MCP toolset with always_ask by default and lists only the configured tools', () => {
    const body = create({
      ...minimal,
      mcp_servers: [server('a'), server('b')],
      tools: [
        {
          ...mcpToolset('a'),
          configs: [
            { name: 'read_file', permission_policy: { type: 'always_allow' } },
            { name: 'rm', enabled: false },
          ],
        },
        { ...mcpToolset('b'), default_config: { enabled: false, permission_policy: { type: 'auto' } } },
      ],
    });
    expect(body.tools).toEqual([
      {
        type: 'mcp_toolset',
        mcp_server_name: 'a',
        default_config: { enabled: true, permission_policy: policy('always_ask') },
        configs: [
          { name: 'read_file', enabled: true, permission_policy: policy('always_allow') },
          { name: 'rm', enabled: false, permission_policy: policy('always_ask') },
        ],
      },
      {
        type: 'mcp_toolset',
        mcp_server_name: 'b',
        default_config: { enabled: false, permission_policy: policy('auto') },
        configs: [],
      },
    ]);
  });
});

describe('update', () => {
  const base = () =>
    stored({
      ...minimal,
      description: 'd',
      system: 's',
      metadata: { keep: '1', drop: '2' },
      mcp_servers: [server('a')],
      tools: [mcpToolset('a'), customTool('c')],
      skills: [{ type: 'anthropic', skill_id: 'xlsx' }],
      multiagent: { type: 'coordinator', agents: ['agent_a'] },
      execution_identity: { type: 'aws_role', role_arn: 'arn:x' },
    });

  it('keeps everything on an empty update, returning an equal body', () => {
    const current = base();
    const next = update(current, {});
    expect(agentBodiesEqual(next, current)).toBe(true);
    expect(next).toEqual(pickAgentBody(current));
  });

  it('treats resending the current values as no change', () => {
    const current = base();
    const same = {
      name: 'Minimal',
      description: 'd',
      metadata: { keep: '1' },
      tools: [mcpToolset('a'), customTool('c')],
      version: 1,
    };
    expect(agentBodiesEqual(update(current, same), current)).toBe(true);
  });

  it.each([
    ['null', null],
    ['an empty array', []],
  ])('clears the replaceable lists with %s', (_, empty) => {
    const next = update(base(), { tools: empty, mcp_servers: empty, skills: empty });
    expect(next).toMatchObject({ tools: [], mcp_servers: [], skills: [] });
  });

  it('replaces tools wholesale', () => {
    const next = update(base(), { tools: [mcpToolset('a')] });
    expect(next.tools.map((t) => t.type)).toEqual(['mcp_toolset']);
  });

  it('patches metadata: strings upsert, null deletes, omitted keys stay', () => {
    expect(update(base(), { metadata: { drop: null, add: 'x', keep: '1' } }).metadata).toEqual({ keep: '1', add: 'x' });
    expect(update(base(), { metadata: null }).metadata).toEqual({ keep: '1', drop: '2' });
  });

  it('judges the 16-pair limit on the patched metadata', () => {
    const patch = Object.fromEntries(names(15).map((k) => [k, 'v']));
    expect(thrownPaths(() => update(base(), { metadata: patch }))).toEqual([['metadata']]);
    expect(Object.keys(update(base(), { metadata: { ...patch, drop: null } }).metadata)).toHaveLength(16);
  });

  it.each([
    ['an empty string', ''],
    ['null', null],
  ])('clears description and system with %s', (_, empty) => {
    expect(update(base(), { description: empty, system: empty })).toMatchObject({ description: null, system: null });
  });

  it.each([
    ['name', { name: null }],
    ['name', { name: '' }],
    ['model', { model: null }],
  ])('cannot clear %s', (field, body) => {
    expect(pathsOf(agentUpdateSchema, body)).toEqual([[field]]);
  });

  it('rejects a version below 1', () => {
    expect(pathsOf(agentUpdateSchema, { version: 0 })).toEqual([['version']]);
  });

  it('restores the default execution identity with null', () => {
    expect(update(base(), { execution_identity: null }).execution_identity).toEqual({ type: 'service_account' });
  });

  it('clears multiagent with null', () => {
    expect(update(base(), { multiagent: null }).multiagent).toBeNull();
  });

  it('replaces the model object, keeping a stored effort but not a stored inference_geo', () => {
    const current = stored({ ...minimal, model: { id: 'm', effort: 'low', inference_geo: 'eu', speed: 'fast' } });
    expect(update(current, { model: { id: 'n' } }).model).toEqual({
      id: 'n',
      effort: { type: 'low' },
      speed: 'standard',
    });
    expect(update(current, { model: 'n' }).model).toEqual({ id: 'n', effort: { type: 'low' }, speed: 'standard' });
    expect(update(current, { model: { id: 'n', effort: null } }).model.effort).toEqual({ type: DEFAULT_EFFORT });
  });

  it('checks MCP references against the resulting tools and servers', () => {
    expect(thrownPaths(() => update(base(), { tools: [] }))).toEqual([['mcp_servers', 0, 'name']]);
    expect(thrownPaths(() => update(base(), { mcp_servers: [] }))).toEqual([['tools', 0, 'mcp_server_name']]);
    expect(update(base(), { mcp_servers: [], tools: [] })).toMatchObject({ mcp_servers: [], tools: [] });
  });
});

describe('multiagent_20261001 updates', () => {
  const current = () =>
    stored({
      ...minimal,
      multiagent: {
        type: 'multiagent_20261001',
        advisor: { type: 'enabled', model: 'adv' },
        subagents: { type: 'enabled', inline_agents: { type: 'disabled' }, predefined_agents: ['agent_a'] },
        workflows: { type: 'disabled' },
      },
    });

  it('merges level by level: omitted keys keep, null takes the default, a new type starts fresh', () => {
    const next = update(current(), {
      multiagent: {
        type: 'multiagent_20261001',
        advisor: null,
        subagents: { type: 'enabled' },
        workflows: { type: 'enabled' },
      },
    });
    expect(next.multiagent).toEqual({
      type: 'multiagent_20261001',
      advisor: { type: 'disabled' },
      subagents: {
        type: 'enabled',
        inline_agents: { type: 'disabled' },
        predefined_agents: [{ type: 'agent', id: 'agent_a', version: 7 }],
      },
      workflows: { type: 'enabled', inline_agents: { type: 'enabled' }, predefined_agents: [] },
    });
  });

  it('validates the merged result', () => {
    const body = {
      multiagent: { type: 'multiagent_20261001', subagents: { type: 'enabled', predefined_agents: null } },
    };
    expect(thrownPaths(() => update(current(), body))).toEqual([['multiagent', 'subagents', 'predefined_agents']]);
  });

  it('replaces a coordinator outright', () => {
    const coordinator = { type: 'coordinator', agents: [{ type: 'advisor', model: 'adv' }, 'agent_b'] };
    expect(update(current(), { multiagent: coordinator }).multiagent).toEqual({
      type: 'coordinator',
      agents: [
        { type: 'advisor', model: 'adv' },
        { type: 'agent', id: 'agent_b', version: 7 },
      ],
    });
  });
});

describe('references to the agent itself', () => {
  const withSelf = () => ({
    ...stored({ ...minimal, multiagent: { type: 'coordinator', agents: [{ type: 'self' }] } }, 1),
  });
  const selfVersion = (body: AgentBody) =>
    body.multiagent?.type === 'coordinator' ? body.multiagent.agents[0] : undefined;

  it('does not count as a change when resent', () => {
    const current = withSelf();
    const next = update(current, { multiagent: { type: 'coordinator', agents: [{ type: 'self' }] } });
    expect(agentBodiesEqual(next, current)).toBe(true);
  });

  it('follows the version a real change mints', () => {
    expect(selfVersion(update(withSelf(), { name: 'Renamed' }))).toEqual({
      type: 'agent',
      id: 'agent_self',
      version: 2,
    });
  });
});

describe('agentBodiesEqual', () => {
  it('ignores key order and undefined-valued keys', () => {
    const a = create({ ...minimal, metadata: { x: '1', y: '2' } });
    const b = {
      ...a,
      metadata: { y: '2', x: '1' },
      model: { speed: a.model.speed, id: a.model.id, effort: a.model.effort, inference_geo: undefined },
    };
    expect(agentBodiesEqual(a, b)).toBe(true);
    expect(agentBodiesEqual(a, { ...a, tools: [] })).toBe(true);
    expect(agentBodiesEqual(a, { ...a, metadata: { x: '1' } })).toBe(false);
  });
});
