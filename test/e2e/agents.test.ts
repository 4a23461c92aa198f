import { BadRequestError, ConflictError, NotFoundError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBosun, type TestBosun } from '../helpers/bosun.js';
import { anyString, apiError, collect, createAgent, createEnvironment, MODEL, tick } from '../helpers/fixtures.js';

let bosun: TestBosun;
beforeAll(async () => {
  bosun = await startTestBosun();
});
afterAll(() => bosun.close());

const customTool = (name: string) => ({
  type: 'custom' as const,
  name,
  description: `the ${name} tool`,
  input_schema: { type: 'object' as const, properties: { q: { type: 'string' } } },
});

describe('agents: create and retrieve', () => {
  it('creates an agent from a model string, filling in the model defaults', async () => {
    const agent = await bosun.client.beta.agents.create({ name: 'Support', model: MODEL });
    expect(agent.id).toMatch(/^agent_[0-9a-f]{32}$/);
    expect(agent).toMatchObject({
      type: 'agent',
      version: 1,
      name: 'Support',
      description: null,
      system: null,
      model: { id: MODEL, speed: 'standard' },
      metadata: {},
      tools: [],
      mcp_servers: [],
      skills: [],
      multiagent: null,
      archived_at: null,
    });
    expect(agent.model.effort?.type).toMatch(/^(low|medium|high|xhigh|max)$/);
    expect(Date.parse(agent.created_at)).not.toBeNaN();
    expect(agent.updated_at).toBe(agent.created_at);
  });

  it('creates an agent from a model object, keeping what was sent', async () => {
    const agent = await bosun.client.beta.agents.create({
      name: 'Fast',
      model: { id: MODEL, effort: 'low', speed: 'fast' },
      system: 'Be brief.',
      description: 'answers quickly',
      metadata: { team: 'support' },
      tools: [{ type: 'agent_toolset_20260401' }, customTool('lookup')],
    });
    expect(agent.model).toEqual({ id: MODEL, effort: { type: 'low' }, speed: 'fast' });
    expect(agent.system).toBe('Be brief.');
    expect(agent.description).toBe('answers quickly');
    expect(agent.metadata).toEqual({ team: 'support' });
    expect(agent.tools.map((tool) => tool.type)).toEqual(['agent_toolset_20260401', 'custom']);
  });

  it('retrieves exactly what create returned', async () => {
    const created = await createAgent(bosun.client, { metadata: { k: 'v' } });
    expect(await bosun.client.beta.agents.retrieve(created.id)).toEqual(created);
  });

  it('enforces the metadata limits: 16 pairs, keys ≤64 chars, values ≤512 chars', async () => {
    const pairs = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
    await createAgent(bosun.client, { metadata: pairs(16) });
    await apiError(createAgent(bosun.client, { metadata: pairs(17) }), BadRequestError);
    await apiError(createAgent(bosun.client, { metadata: { ['k'.repeat(65)]: 'v' } }), BadRequestError);
    await apiError(createAgent(bosun.client, { metadata: { k: 'v'.repeat(513) } }), BadRequestError);
    // A patch that would push the merged bag past 16 pairs is refused too.
    const full = await createAgent(bosun.client, { metadata: pairs(16) });
    await apiError(bosun.client.beta.agents.update(full.id, { metadata: { extra: 'v' } }), BadRequestError);
    expect((await bosun.client.beta.agents.retrieve(full.id)).version).toBe(1);
  });

  it('answers 404 for an unknown agent and an unknown version', async () => {
    const missing = await apiError(bosun.client.beta.agents.retrieve('agent_doesnotexist'), NotFoundError);
    expect(missing.type).toBe('not_found_error');
    const agent = await createAgent(bosun.client);
    await apiError(bosun.client.beta.agents.retrieve(agent.id, { version: 7 }), NotFoundError);
  });
});

describe('agents: update', () => {
  it('mints a new version under the optimistic `version` check; old versions stay retrievable', async () => {
    const v1 = await createAgent(bosun.client, { name: 'before', system: 'first' });
    await tick();
    const v2 = await bosun.client.beta.agents.update(v1.id, { version: 1, name: 'after' });
    expect(v2).toMatchObject({ id: v1.id, version: 2, name: 'after', system: 'first', created_at: v1.created_at });
    expect(v2.updated_at > v1.updated_at).toBe(true);

    expect(await bosun.client.beta.agents.retrieve(v1.id)).toMatchObject({ version: 2, name: 'after' });
    const old = await bosun.client.beta.agents.retrieve(v1.id, { version: 1 });
    expect(old).toMatchObject({ version: 1, name: 'before', system: 'first' });
    expect(await bosun.client.beta.agents.retrieve(v1.id, { version: 2 })).toEqual(v2);
  });

  it('rejects a stale version and leaves the agent unchanged', async () => {
    const agent = await createAgent(bosun.client, { name: 'v1' });
    await bosun.client.beta.agents.update(agent.id, { version: 1, name: 'v2' });
    const error = await apiError(
      bosun.client.beta.agents.update(agent.id, { version: 1, name: 'lost' }),
      ConflictError,
    );
    expect(error.status).toBe(409);
    expect(error.errorCode).toBe('version_mismatch');
    // A lost race is not transient: the SDK must not retry it.
    expect(error.headers?.get('x-should-retry')).toBe('false');
    expect(await bosun.client.beta.agents.retrieve(agent.id)).toMatchObject({ version: 2, name: 'v2' });
  });

  it('does not bump the version for an update that changes nothing', async () => {
    const agent = await createAgent(bosun.client, {
      name: 'same',
      system: 'sys',
      metadata: { a: '1' },
      tools: [customTool('t')],
    });
    const noop = await bosun.client.beta.agents.update(agent.id, {
      version: 1,
      name: 'same',
      system: 'sys',
      metadata: { a: '1' },
      tools: [customTool('t')],
      model: MODEL,
    });
    expect(noop).toEqual(agent);
    const empty = await bosun.client.beta.agents.update(agent.id, {});
    expect(empty).toEqual(agent);
    expect((await collect(bosun.client.beta.agents.versions.list(agent.id))).map((v) => v.version)).toEqual([1]);
  });

  it('replaces tools, mcp_servers and skills wholesale: omitted keeps, [] and null clear', async () => {
    const agent = await createAgent(bosun.client, {
      tools: [{ type: 'agent_toolset_20260401' }, customTool('a'), customTool('b')],
    });
    const replaced = await bosun.client.beta.agents.update(agent.id, { tools: [customTool('c')] });
    expect(replaced.tools).toHaveLength(1);
    expect(replaced.tools[0]).toMatchObject({ type: 'custom', name: 'c' });

    const kept = await bosun.client.beta.agents.update(agent.id, { name: 'renamed' });
    expect(kept.tools).toEqual(replaced.tools);
    expect(kept.version).toBe(3);

    const cleared = await bosun.client.beta.agents.update(agent.id, { tools: [] });
    expect(cleared.tools).toEqual([]);
    const restored = await bosun.client.beta.agents.update(agent.id, { tools: [customTool('d')] });
    expect(restored.tools).toHaveLength(1);
    expect((await bosun.client.beta.agents.update(agent.id, { tools: null })).tools).toEqual([]);
  });

  it('clears description and system with "" or null; name and model cannot be cleared', async () => {
    const agent = await createAgent(bosun.client, { description: 'd', system: 's' });
    const updated = await bosun.client.beta.agents.update(agent.id, { description: null, system: '' });
    expect(updated).toMatchObject({ description: null, system: null, name: agent.name });
    await apiError(bosun.client.beta.agents.update(agent.id, { name: '' }), BadRequestError);
    await apiError(bosun.client.beta.agents.update(agent.id, { model: null as never }), BadRequestError);
  });

  it('patches metadata: a string upserts, null deletes, omitted keys stay', async () => {
    const agent = await createAgent(bosun.client, { metadata: { keep: '1', drop: '2', change: '3' } });
    const updated = await bosun.client.beta.agents.update(agent.id, {
      metadata: { drop: null, change: 'three', add: '4' },
    });
    expect(updated.metadata).toEqual({ keep: '1', change: 'three', add: '4' });
    const again = await bosun.client.beta.agents.update(agent.id, { name: 'other' });
    expect(again.metadata).toEqual(updated.metadata);
  });

  it('lets exactly one of two racing updates with the same version win', async () => {
    const agent = await createAgent(bosun.client, { name: 'race' });
    const results = await Promise.allSettled([
      bosun.client.beta.agents.update(agent.id, { version: 1, name: 'left' }),
      bosun.client.beta.agents.update(agent.id, { version: 1, name: 'right' }),
    ]);
    const won = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const lost = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toBeInstanceOf(ConflictError);
    expect(await bosun.client.beta.agents.retrieve(agent.id)).toEqual(won[0]);
  });

  it('applies every one of several racing unconditional updates', async () => {
    const agent = await createAgent(bosun.client);
    const names = ['a', 'b', 'c', 'd'];
    await Promise.all(names.map((name) => bosun.client.beta.agents.update(agent.id, { metadata: { [name]: name } })));
    const latest = await bosun.client.beta.agents.retrieve(agent.id);
    expect(latest.version).toBe(5);
    expect(latest.metadata).toEqual({ a: 'a', b: 'b', c: 'c', d: 'd' });
  });

  it('answers 404 when updating an unknown agent', async () => {
    await apiError(bosun.client.beta.agents.update('agent_nope', { name: 'x' }), NotFoundError);
  });
});

describe('agents: list', () => {
  it('iterates every agent across pages with `for await` (limit 2)', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createAgent(bosun.client, { name: `page ${i}` })).id);

    const first = await bosun.client.beta.agents.list({ limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.next_page).toEqual(anyString);
    expect(first.hasNextPage()).toBe(true);

    const seen = (await collect(bosun.client.beta.agents.list({ limit: 2 }))).map((agent) => agent.id);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of ids) expect(seen).toContain(id);
    // The ids the test made come back in creation order.
    expect(seen.filter((id) => ids.includes(id))).toEqual(ids);

    const all = await collect(bosun.client.beta.agents.list({ limit: 1000 }));
    expect(all.map((agent) => agent.id)).toEqual(seen);
  });

  it('hides archived agents unless include_archived is true', async () => {
    const agent = await createAgent(bosun.client);
    const archived = await bosun.client.beta.agents.archive(agent.id);
    const visible = (await collect(bosun.client.beta.agents.list({ limit: 50 }))).map((a) => a.id);
    expect(visible).not.toContain(agent.id);
    const everything = await collect(bosun.client.beta.agents.list({ limit: 50, include_archived: true }));
    expect(everything.find((a) => a.id === agent.id)).toMatchObject({ archived_at: archived.archived_at });
    const explicit = (await collect(bosun.client.beta.agents.list({ include_archived: false }))).map((a) => a.id);
    expect(explicit).not.toContain(agent.id);
  });

  it('filters on created_at[gte] and created_at[lte]', async () => {
    const before = await createAgent(bosun.client);
    const t1 = await tick();
    const middle = await createAgent(bosun.client);
    const t2 = await tick();
    const after = await createAgent(bosun.client);

    const since = (await collect(bosun.client.beta.agents.list({ 'created_at[gte]': t1 }))).map((a) => a.id);
    expect(since).toEqual(expect.arrayContaining([middle.id, after.id]));
    expect(since).not.toContain(before.id);

    const until = (await collect(bosun.client.beta.agents.list({ 'created_at[lte]': t1 }))).map((a) => a.id);
    expect(until).toContain(before.id);
    expect(until).not.toContain(middle.id);

    const window = await collect(
      bosun.client.beta.agents.list({ 'created_at[gte]': t1, 'created_at[lte]': t2, limit: 1 }),
    );
    expect(window.map((a) => a.id)).toEqual([middle.id]);
  });

  it('rejects a malformed created_at filter', async () => {
    await apiError(bosun.client.beta.agents.list({ 'created_at[gte]': 'yesterday' }), BadRequestError);
  });
});

describe('agents: archive', () => {
  it('sets archived_at on every version and blocks new sessions', async () => {
    const agent = await createAgent(bosun.client);
    await bosun.client.beta.agents.update(agent.id, { name: 'v2' });
    const archived = await bosun.client.beta.agents.archive(agent.id);
    expect(archived.archived_at).toEqual(anyString);
    expect(archived.version).toBe(2);
    expect((await bosun.client.beta.agents.retrieve(agent.id)).archived_at).toBe(archived.archived_at);
    expect((await bosun.client.beta.agents.retrieve(agent.id, { version: 1 })).archived_at).toBe(archived.archived_at);

    const again = await bosun.client.beta.agents.archive(agent.id);
    expect(again.archived_at).toBe(archived.archived_at);

    const environment = await createEnvironment(bosun.client);
    await apiError(
      bosun.client.beta.sessions.create({ agent: agent.id, environment_id: environment.id }),
      BadRequestError,
    );
  });

  it('answers 404 for an unknown agent', async () => {
    await apiError(bosun.client.beta.agents.archive('agent_unknown'), NotFoundError);
  });
});

describe('agents: versions', () => {
  it('lists one agent object per version, across pages', async () => {
    const agent = await createAgent(bosun.client, { name: 'n1' });
    for (let v = 2; v <= 5; v++) await bosun.client.beta.agents.update(agent.id, { version: v - 1, name: `n${v}` });

    const page = await bosun.client.beta.agents.versions.list(agent.id, { limit: 2 });
    expect(page.data).toHaveLength(2);
    expect(page.next_page).toEqual(anyString);

    const versions = await collect(bosun.client.beta.agents.versions.list(agent.id, { limit: 2 }));
    expect(versions.map((v) => [v.version, v.name])).toEqual([
      [1, 'n1'],
      [2, 'n2'],
      [3, 'n3'],
      [4, 'n4'],
      [5, 'n5'],
    ]);
    expect(versions.every((v) => v.id === agent.id && v.type === 'agent')).toBe(true);
    expect(versions[4]).toEqual(await bosun.client.beta.agents.retrieve(agent.id));
  });

  it('answers 404 for the versions of an unknown agent', async () => {
    await apiError(
      bosun.client.beta.agents.versions.list('agent_unknown').then((page) => page.data),
      NotFoundError,
    );
  });
});
