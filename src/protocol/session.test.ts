import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type {
  SessionCreateParams,
  SessionListParams,
  SessionUpdateParams,
} from '@anthropic-ai/sdk/resources/beta/sessions/sessions.js';
import {
  INITIAL_EVENTS_MAX,
  MEMORY_STORE_INSTRUCTIONS_MAX_CHARS,
  SESSION_METADATA_LIMITS,
  applySessionMetadataPatch,
  sessionCreateSchema,
  sessionListQuerySchema,
  sessionMetadataSchema,
  sessionUpdateSchema,
  sessionUpdateUnsupported,
} from './session.js';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;
type HeaderParams = 'betas' | 'workspace_id';
type Create = Omit<SessionCreateParams, HeaderParams>;
type Update = Omit<SessionUpdateParams, HeaderParams>;
type List = Omit<SessionListParams, HeaderParams>;

// The agent override and update fields are `unknown` placeholders, so only the input direction
// is pinned for `agent`; everything else must match the SDK both ways.
export type SessionPins = [
  Assert<Equals<keyof z.input<typeof sessionCreateSchema>, keyof Create>>,
  Assert<Equals<keyof z.input<typeof sessionUpdateSchema>, keyof Update>>,
  Assert<Equals<keyof z.input<typeof sessionListQuerySchema>, keyof List>>,
  Assert<Create extends z.input<typeof sessionCreateSchema> ? true : false>,
  Assert<Update extends z.input<typeof sessionUpdateSchema> ? true : false>,
  Assert<Omit<z.output<typeof sessionCreateSchema>, 'agent'> extends Omit<Create, 'agent'> ? true : false>,
  Assert<Omit<z.output<typeof sessionUpdateSchema>, 'agent'> extends Omit<Update, 'agent'> ? true : false>,
  Assert<z.output<typeof sessionListQuerySchema> extends List ? true : false>,
];

function issuesOf(schema: z.ZodType, input: unknown) {
  const result = schema.safeParse(input);
  if (result.success) throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
  return result.error.issues;
}

const accepts = (schema: z.ZodType, input: unknown) => expect(schema.safeParse(input).error?.issues).toBeUndefined();
const minimal = { agent: 'agent_1', environment_id: 'env_1' };
const message = { type: 'user.message', content: [{ type: 'text', text: 'hi' }] };
const budget = { type: 'limit', max_list_cost: { amount: '2500', currency: 'USD' } };
const pairs = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));

describe('sessionCreateSchema', () => {
  it('accepts the SDK example', () => {
    const params = {
      agent: 'agent_011CZkYpogX7uDKUyvBTophP',
      environment_id: 'env_011CZkZ9X2dpNyB7HsEFoRfW',
      initial_events: [{ type: 'user.message', content: [{ type: 'text', text: 'Where is my order #1234?' }] }],
    } satisfies Create;
    expect(sessionCreateSchema.parse(params)).toEqual(params);
  });

  it.each([
    'agent_1',
    { type: 'agent', id: 'agent_1' },
    { type: 'agent', id: 'agent_1', version: 3 },
    { type: 'agent_with_overrides', id: 'agent_1' },
    {
      type: 'agent_with_overrides',
      id: 'agent_1',
      version: 2,
      model: 'claude-x',
      system: null,
      tools: [],
      mcp_servers: [],
      skills: [],
    },
  ])('accepts agent %j', (agent) => accepts(sessionCreateSchema, { ...minimal, agent }));

  it('passes override values through untouched for the agent.ts schemas', () => {
    const tools = [{ type: 'agent_toolset_20260401', anything: true }];
    const parsed = sessionCreateSchema.parse({ ...minimal, agent: { type: 'agent_with_overrides', id: 'a', tools } });
    expect(parsed.agent).toEqual({ type: 'agent_with_overrides', id: 'a', tools });
  });

  it.each([
    [{ type: 'agent', id: 'a', model: 'm' }, ['agent'], ['model']],
    [{ type: 'agent_with_overrides', id: 'a', name: 'n' }, ['agent'], ['name']],
  ])('names unknown agent fields: %j', (agent, path, keys) => {
    expect(issuesOf(sessionCreateSchema, { ...minimal, agent })).toEqual([
      expect.objectContaining({ code: 'unrecognized_keys', path, keys }),
    ]);
  });

  it.each([
    { type: 'agent', id: 'a', version: 0 },
    { type: 'agent', id: 'a', version: 1.5 },
    { type: 'deployment', id: 'd' },
    42,
  ])('rejects agent %j', (agent) => expect(sessionCreateSchema.safeParse({ ...minimal, agent }).success).toBe(false));

  it('requires agent and environment_id and names unknown top-level fields', () => {
    expect(issuesOf(sessionCreateSchema, {}).map((issue) => issue.path)).toEqual([['agent'], ['environment_id']]);
    expect(issuesOf(sessionCreateSchema, { ...minimal, model: 'x' })).toEqual([
      expect.objectContaining({ code: 'unrecognized_keys', path: [], keys: ['model'] }),
    ]);
  });

  describe('budget', () => {
    it('accepts a USD integer amount', () => {
      accepts(sessionCreateSchema, { ...minimal, budget });
      accepts(sessionCreateSchema, {
        ...minimal,
        budget: { ...budget, max_list_cost: { amount: '0', currency: 'USD' } },
      });
    });

    it.each(['025', '25.00', '-5', '', ' 5', '1e3'])('rejects amount %j', (amount) => {
      const input = { ...minimal, budget: { ...budget, max_list_cost: { amount, currency: 'USD' } } };
      expect(issuesOf(sessionCreateSchema, input)[0]?.path).toEqual(['budget', 'max_list_cost', 'amount']);
    });

    it('rejects other currencies, other types, null and unknown fields', () => {
      const euros = { ...budget, max_list_cost: { amount: '1', currency: 'EUR' } };
      expect(sessionCreateSchema.safeParse({ ...minimal, budget: euros }).success).toBe(false);
      expect(sessionCreateSchema.safeParse({ ...minimal, budget: { ...budget, type: 'soft' } }).success).toBe(false);
      expect(sessionCreateSchema.safeParse({ ...minimal, budget: null }).success).toBe(false);
      expect(issuesOf(sessionCreateSchema, { ...minimal, budget: { ...budget, period: 'month' } })).toEqual([
        expect.objectContaining({ code: 'unrecognized_keys', path: ['budget'], keys: ['period'] }),
      ]);
    });
  });

  describe('initial_events', () => {
    const outcome = { type: 'user.define_outcome', description: 'd', rubric: { type: 'file', file_id: 'file_1' } };

    it('takes up to 50 user.message and user.define_outcome events, filling outcome defaults', () => {
      const events = [...Array.from({ length: INITIAL_EVENTS_MAX - 1 }, () => message), outcome];
      const parsed = sessionCreateSchema.parse({ ...minimal, initial_events: events });
      expect(parsed.initial_events?.at(-1)).toEqual({ ...outcome, max_iterations: 3 });
    });

    it('rejects a 51st event', () => {
      const events = Array.from({ length: INITIAL_EVENTS_MAX + 1 }, () => message);
      expect(issuesOf(sessionCreateSchema, { ...minimal, initial_events: events })).toEqual([
        expect.objectContaining({ code: 'too_big', path: ['initial_events'] }),
      ]);
    });

    it.each([
      { type: 'user.interrupt' },
      { type: 'system.message', content: [{ type: 'text', text: 'x' }] },
      { type: 'user.tool_confirmation', tool_use_id: 't', result: 'allow' },
    ])('rejects %j', (event) => {
      expect(issuesOf(sessionCreateSchema, { ...minimal, initial_events: [message, event] })[0]?.path).toEqual([
        'initial_events',
        1,
        'type',
      ]);
    });
  });

  describe('metadata', () => {
    it('takes up to 16 pairs with keys ≤64 and values ≤512 characters', () => {
      accepts(sessionCreateSchema, { ...minimal, metadata: pairs(SESSION_METADATA_LIMITS.pairs) });
      accepts(sessionCreateSchema, { ...minimal, metadata: { ['k'.repeat(64)]: 'v'.repeat(512) } });
    });

    it.each([
      [pairs(17), ['metadata']],
      [{ ['k'.repeat(65)]: 'v' }, ['metadata', 'k'.repeat(65)]],
      [{ k: 'v'.repeat(513) }, ['metadata', 'k']],
      [{ k: null }, ['metadata', 'k']],
    ])('rejects %#', (metadata, path) => {
      expect(issuesOf(sessionCreateSchema, { ...minimal, metadata }).map((issue) => issue.path)).toEqual([path]);
    });
  });

  describe('resources', () => {
    it.each([
      { type: 'github_repository', url: 'https://github.com/o/r' },
      {
        type: 'github_repository',
        url: 'https://github.com/o/r',
        authorization_token: 'ghp_x',
        checkout: { type: 'branch', name: 'main' },
        mount_path: '/workspace/r',
      },
      { type: 'github_repository', url: 'u', checkout: { type: 'commit', sha: 'abc' }, mount_path: null },
      { type: 'github_repository', url: 'u', checkout: null },
      { type: 'file', file_id: 'file_1' },
      { type: 'file', file_id: 'file_1', mount_path: '/mnt/x' },
      { type: 'memory_store', memory_store_id: 'memstore_1' },
      {
        type: 'memory_store',
        memory_store_id: 'memstore_1',
        access: 'read_only',
        instructions: 'x'.repeat(MEMORY_STORE_INSTRUCTIONS_MAX_CHARS),
      },
      { type: 'memory_store', memory_store_id: 'memstore_1', access: null, instructions: null },
    ])('accepts %j', (resource) => accepts(sessionCreateSchema, { ...minimal, resources: [resource] }));

    it.each([
      [{ type: 'github_repository', url: 'u', branch: 'main' }, ['resources', 0]],
      [
        { type: 'github_repository', url: 'u', checkout: { type: 'tag', name: 'v1' } },
        ['resources', 0, 'checkout', 'type'],
      ],
      [{ type: 'github_repository', url: 'u', authorization_token: null }, ['resources', 0, 'authorization_token']],
      [{ type: 'memory_store', memory_store_id: 'm', access: 'write_only' }, ['resources', 0, 'access']],
      [
        { type: 'memory_store', memory_store_id: 'm', instructions: 'x'.repeat(4097) },
        ['resources', 0, 'instructions'],
      ],
      [{ type: 'memory_store', memory_store_id: 'm', mount_path: '/mnt/memory/x' }, ['resources', 0]],
      [{ type: 's3_bucket', bucket: 'b' }, ['resources', 0, 'type']],
    ])('rejects %j', (resource, path) => {
      expect(issuesOf(sessionCreateSchema, { ...minimal, resources: [resource] }).map((issue) => issue.path)).toEqual([
        path,
      ]);
    });
  });

  it('accepts title and vault_ids', () => {
    accepts(sessionCreateSchema, { ...minimal, title: 'Order lookup', vault_ids: ['vlt_1'] });
    accepts(sessionCreateSchema, { ...minimal, title: null });
  });
});

describe('sessionUpdateSchema', () => {
  it.each([
    {},
    { agent: {} },
    { agent: { tools: [], mcp_servers: [] } },
    { budget },
    { budget: null },
    { metadata: { a: 'b', c: null } },
    { metadata: null },
    { title: 'x' },
    { title: null },
    { vault_ids: ['vlt_1'] },
  ])('accepts %j', (body) => accepts(sessionUpdateSchema, body));

  it.each([
    [{ agent: { model: 'claude-x' } }, ['agent'], ['model']],
    [{ agent: { tools: [], system: 's' } }, ['agent'], ['system']],
    [{ environment_id: 'env_2' }, [], ['environment_id']],
  ])('names fields that cannot be updated: %j', (body, path, keys) => {
    expect(issuesOf(sessionUpdateSchema, body)).toEqual([
      expect.objectContaining({ code: 'unrecognized_keys', path, keys }),
    ]);
  });

  it('holds metadata patch entries to the session limits', () => {
    expect(issuesOf(sessionUpdateSchema, { metadata: { k: 'v'.repeat(513) } })[0]?.path).toEqual(['metadata', 'k']);
    expect(issuesOf(sessionUpdateSchema, { metadata: { ['k'.repeat(65)]: null } })[0]?.path).toEqual([
      'metadata',
      'k'.repeat(65),
    ]);
  });

  it('parses vault_ids so the API can reject it by name', () => {
    const body = sessionUpdateSchema.parse({ vault_ids: [] });
    expect(sessionUpdateUnsupported(body)).toEqual({
      path: ['vault_ids'],
      message: 'Updating vault_ids is not yet supported.',
    });
    expect(sessionUpdateUnsupported(sessionUpdateSchema.parse({ title: 'x' }))).toBeUndefined();
  });
});

describe('applySessionMetadataPatch', () => {
  const current = { keep: '1', drop: '2' };

  it('upserts strings, deletes nulls and keeps the rest', () => {
    expect(applySessionMetadataPatch(current, { drop: null, keep: 'x', add: '' })).toEqual({ keep: 'x', add: '' });
    expect(current).toEqual({ keep: '1', drop: '2' });
  });

  it('keeps everything for a null or missing patch', () => {
    expect(applySessionMetadataPatch(current, null)).toEqual(current);
    expect(applySessionMetadataPatch(current, undefined)).toEqual(current);
  });

  it('leaves the pair limit to a re-check of the merged bag', () => {
    const merged = applySessionMetadataPatch(pairs(16), { extra: 'v' });
    expect(sessionMetadataSchema.safeParse(merged).success).toBe(false);
  });
});

describe('sessionListQuerySchema', () => {
  it('fills the documented defaults', () => {
    expect(sessionListQuerySchema.parse({})).toEqual({ include_archived: false, order: 'desc' });
  });

  it('decodes every parameter', () => {
    const query = {
      agent_id: 'agent_1',
      agent_version: '3',
      'created_at[gt]': '2026-01-01T00:00:00Z',
      'created_at[gte]': '2026-01-01T00:00:00.123+02:00',
      'created_at[lt]': '2026-12-01T00:00:00Z',
      'created_at[lte]': '2026-12-01T00:00:00Z',
      deployment_id: 'dep_1',
      include_archived: 'true',
      memory_store_id: 'memstore_1',
      order: 'asc',
      statuses: ['idle', 'running'],
      limit: '20',
      page: 'cursor',
    };
    expect(sessionListQuerySchema.parse(query)).toEqual({
      ...query,
      agent_version: 3,
      include_archived: true,
      limit: 20,
    });
    expect(sessionListQuerySchema.parse({ include_archived: 'false' }).include_archived).toBe(false);
  });

  it.each([
    [{ include_archived: 'yes' }, ['include_archived']],
    [{ include_archived: '1' }, ['include_archived']],
    [{ agent_version: 'two' }, ['agent_version']],
    [{ agent_version: '0' }, ['agent_version']],
    [{ limit: '0' }, ['limit']],
    [{ limit: '-1' }, ['limit']],
    [{ limit: '' }, ['limit']],
    [{ order: 'newest' }, ['order']],
    [{ statuses: ['idle', 'archived'] }, ['statuses', 1]],
    [{ statuses: 'idle' }, ['statuses']],
    [{ 'created_at[gte]': 'yesterday' }, ['created_at[gte]']],
    [{ 'created_at[lt]': '2026-01-01T00:00:00' }, ['created_at[lt]']],
  ])('rejects %j', (query, path) => {
    expect(issuesOf(sessionListQuerySchema, query).map((issue) => issue.path)).toEqual([path]);
  });

  it('names unknown parameters', () => {
    expect(issuesOf(sessionListQuerySchema, { 'created_at[eq]': 'x', types: ['a'] })).toEqual([
      expect.objectContaining({ code: 'unrecognized_keys', path: [], keys: ['created_at[eq]', 'types'] }),
    ]);
  });
});
