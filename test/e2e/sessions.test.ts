import { BadRequestError, NotFoundError } from '@anthropic-ai/sdk';
import type { BetaManagedAgentsAgent } from '@anthropic-ai/sdk/resources/beta/agents/agents.mjs';
import type { BetaManagedAgentsBudgetLimit } from '@anthropic-ai/sdk/resources/beta/sessions/sessions.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBosun, type TestBosun } from '../helpers/bosun.js';
import {
  anyNumber,
  anyObject,
  anyString,
  apiError,
  collect,
  createAgent,
  createEnvironment,
  createSession,
  matching,
  MODEL,
  userMessage,
} from '../helpers/fixtures.js';

let bosun: TestBosun;
let environmentId: string;
beforeAll(async () => {
  bosun = await startTestBosun();
  environmentId = (await createEnvironment(bosun.client)).id;
});
afterAll(() => bosun.close());

const budget = (amount: string): BetaManagedAgentsBudgetLimit => ({
  type: 'limit',
  max_list_cost: { amount, currency: 'USD' },
});

const customTool = (name: string) => ({
  type: 'custom' as const,
  name,
  description: `the ${name} tool`,
  input_schema: { type: 'object' as const },
});

/** The agent fields a session snapshot copies. */
function snapshotFields(agent: BetaManagedAgentsAgent) {
  const { id, version, name, description, system, model, tools, mcp_servers, skills, execution_identity } = agent;
  return {
    id,
    type: 'agent',
    version,
    name,
    description,
    system,
    model,
    tools,
    mcp_servers,
    skills,
    execution_identity,
  };
}

async function eventsOf(sessionId: string) {
  return collect(bosun.client.beta.sessions.events.list(sessionId));
}

describe('sessions: create', () => {
  it('creates an idle session from an agent id, pinned to the latest version', async () => {
    const agent = await createAgent(bosun.client, { system: 'be kind', tools: [customTool('t')] });
    const v2 = await bosun.client.beta.agents.update(agent.id, { name: 'latest' });
    const session = await bosun.client.beta.sessions.create({
      agent: agent.id,
      environment_id: environmentId,
      title: 'first',
      metadata: { ticket: '42' },
    });
    expect(session.id).toMatch(/^sesn_[0-9a-f]{32}$/);
    expect(session).toMatchObject({
      type: 'session',
      status: 'idle',
      environment_id: environmentId,
      title: 'first',
      metadata: { ticket: '42' },
      budget: null,
      vault_ids: [],
      resources: [],
      outcome_evaluations: [],
      archived_at: null,
    });
    expect(session.agent).toMatchObject(snapshotFields(v2));
    expect(session.agent.multiagent).toBeNull();
    expect(await bosun.client.beta.sessions.retrieve(session.id)).toEqual({
      ...session,
      stats: anyObject,
      usage: anyObject,
    });
  });

  it('reports usage and stats, zero for a session that never ran', async () => {
    const session = await createSession(bosun.client, { environment_id: environmentId });
    expect(session.usage).toMatchObject({ input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0 });
    expect(session.stats).toMatchObject({ active_seconds: 0 });
    expect(session.stats.duration_seconds).toEqual(anyNumber);
  });

  it('pins a given version with {type: "agent", id, version}', async () => {
    const agent = await createAgent(bosun.client, { name: 'old name' });
    await bosun.client.beta.agents.update(agent.id, { name: 'new name' });
    const session = await bosun.client.beta.sessions.create({
      agent: { type: 'agent', id: agent.id, version: 1 },
      environment_id: environmentId,
    });
    expect(session.agent).toMatchObject(snapshotFields(agent));
    const latest = await bosun.client.beta.sessions.create({
      agent: { type: 'agent', id: agent.id },
      environment_id: environmentId,
    });
    expect(latest.agent).toMatchObject({ version: 2, name: 'new name' });
    await apiError(
      bosun.client.beta.sessions.create({
        agent: { type: 'agent', id: agent.id, version: 9 },
        environment_id: environmentId,
      }),
      NotFoundError,
    );
  });

  it('applies agent_with_overrides to the session only', async () => {
    const agent = await createAgent(bosun.client, { system: 'original', tools: [customTool('a'), customTool('b')] });
    const session = await bosun.client.beta.sessions.create({
      agent: {
        type: 'agent_with_overrides',
        id: agent.id,
        model: { id: 'claude-opus-4-6', effort: 'max' },
        system: 'overridden',
        tools: [customTool('c')],
      },
      environment_id: environmentId,
    });
    expect(session.agent).toMatchObject({ id: agent.id, version: 1, name: agent.name, system: 'overridden' });
    expect(session.agent.model).toMatchObject({ id: 'claude-opus-4-6', effort: { type: 'max' } });
    expect(session.agent.tools).toHaveLength(1);
    expect(session.agent.tools[0]).toMatchObject({ type: 'custom', name: 'c' });
    // The agent itself is untouched: same version, same fields.
    expect(await bosun.client.beta.agents.retrieve(agent.id)).toEqual(agent);
  });

  it('keeps its snapshot when the agent is updated later', async () => {
    const agent = await createAgent(bosun.client, { system: 'v1 system' });
    const session = await createSession(bosun.client, { agent: agent.id, environment_id: environmentId });
    await bosun.client.beta.agents.update(agent.id, { system: 'v2 system', tools: [customTool('new')] });
    const retrieved = await bosun.client.beta.sessions.retrieve(session.id);
    expect(retrieved.agent).toEqual(session.agent);
    expect(retrieved.agent).toMatchObject({ version: 1, system: 'v1 system', tools: [] });
  });

  it('stores initial_events in order as the first events of the log', async () => {
    const session = await createSession(bosun.client, {
      environment_id: environmentId,
      initial_events: [
        userMessage('hello'),
        { type: 'user.define_outcome', description: 'a haiku', rubric: { type: 'text', content: '5-7-5' } },
        userMessage('and then'),
      ],
    });
    const events = await eventsOf(session.id);
    expect(events.map((event) => event.type)).toEqual(['user.message', 'user.define_outcome', 'user.message']);
    expect(events[0]).toMatchObject({ content: [{ type: 'text', text: 'hello' }] });
    expect(events[1]).toMatchObject({ description: 'a haiku', outcome_id: matching(/^outc_/) });
    expect(events[2]).toMatchObject({ content: [{ type: 'text', text: 'and then' }] });
  });

  it('rejects initial_events of other types', async () => {
    await apiError(
      createSession(bosun.client, {
        environment_id: environmentId,
        initial_events: [{ type: 'user.interrupt' } as never],
      }),
      BadRequestError,
    );
  });

  it('accepts at most 50 initial_events', async () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => userMessage(`m${i}`));
    const ok = await createSession(bosun.client, { environment_id: environmentId, initial_events: many(50) });
    expect(await eventsOf(ok.id)).toHaveLength(50);
    await apiError(
      createSession(bosun.client, { environment_id: environmentId, initial_events: many(51) }),
      BadRequestError,
    );
  });

  it('enforces the session metadata limits on create and on a patch', async () => {
    const pairs = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
    await apiError(
      createSession(bosun.client, { environment_id: environmentId, metadata: pairs(17) }),
      BadRequestError,
    );
    const full = await createSession(bosun.client, { environment_id: environmentId, metadata: pairs(16) });
    await apiError(bosun.client.beta.sessions.update(full.id, { metadata: { extra: 'v' } }), BadRequestError);
    const swapped = await bosun.client.beta.sessions.update(full.id, { metadata: { k0: null, extra: 'v' } });
    expect(Object.keys(swapped.metadata)).toHaveLength(16);
    expect(swapped.metadata['extra']).toBe('v');
  });

  it('stores budget and vault_ids', async () => {
    const vaults = await Promise.all(
      ['one', 'two'].map((name) => bosun.client.beta.vaults.create({ display_name: name })),
    );
    const session = await createSession(bosun.client, {
      environment_id: environmentId,
      budget: budget('2500'),
      vault_ids: vaults.map((vault) => vault.id),
    });
    expect(session.vault_ids).toEqual(vaults.map((vault) => vault.id));
    await apiError(
      createSession(bosun.client, { environment_id: environmentId, vault_ids: ['vlt_missing'] }),
      NotFoundError,
    );
    expect(session.budget).toEqual(budget('2500'));
    expect(await bosun.client.beta.sessions.retrieve(session.id)).toMatchObject({
      budget: budget('2500'),
      vault_ids: vaults.map((vault) => vault.id),
    });
  });

  it('refuses a budget when the model has no list price (model_not_budgetable)', async () => {
    const agent = await createAgent(bosun.client, { model: 'claude-opus-4-7' });
    const error = await apiError(
      bosun.client.beta.sessions.create({ agent: agent.id, environment_id: environmentId, budget: budget('100') }),
      BadRequestError,
    );
    expect(error.errorCode).toBe('model_not_budgetable');
    // Without a budget the same agent is fine.
    await bosun.client.beta.sessions.create({ agent: agent.id, environment_id: environmentId });
  });

  it('accepts and ignores the anthropic-workspace-id header', async () => {
    const agent = await createAgent(bosun.client);
    const session = await bosun.client.beta.sessions.create({
      agent: agent.id,
      environment_id: environmentId,
      workspace_id: 'wrkspc_011CZkZaBF1tNoB5wlCeusgy',
    });
    const retrieved = await bosun.client.beta.sessions.retrieve(session.id, { workspace_id: 'wrkspc_other' });
    expect(retrieved.id).toBe(session.id);
    const listed = await collect(bosun.client.beta.sessions.list({ agent_id: agent.id, workspace_id: 'wrkspc_x' }));
    expect(listed.map((s) => s.id)).toEqual([session.id]);
  });

  it('answers 404 for an unknown agent or environment', async () => {
    const agent = await createAgent(bosun.client);
    await apiError(
      bosun.client.beta.sessions.create({ agent: 'agent_unknown', environment_id: environmentId }),
      NotFoundError,
    );
    await apiError(
      bosun.client.beta.sessions.create({ agent: agent.id, environment_id: 'env_unknown' }),
      NotFoundError,
    );
    await apiError(bosun.client.beta.sessions.retrieve('sesn_unknown'), NotFoundError);
  });
});

describe('sessions: list', () => {
  let agent: BetaManagedAgentsAgent;
  let ids: string[];
  let archivedId: string;
  let v2Id: string;

  beforeAll(async () => {
    agent = await createAgent(bosun.client, { name: 'list agent' });
    ids = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await bosun.client.beta.sessions.create({ agent: agent.id, environment_id: environmentId })).id);
    }
    archivedId = (await bosun.client.beta.sessions.create({ agent: agent.id, environment_id: environmentId })).id;
    await bosun.client.beta.sessions.archive(archivedId);
    await bosun.client.beta.agents.update(agent.id, { name: 'list agent v2' });
    v2Id = (await bosun.client.beta.sessions.create({ agent: agent.id, environment_id: environmentId })).id;
  });

  it('iterates newest first across pages by default', async () => {
    const first = await bosun.client.beta.sessions.list({ agent_id: agent.id, limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.next_page).toEqual(anyString);
    expect(first.prev_page).toBeNull();
    const listed = await collect(bosun.client.beta.sessions.list({ agent_id: agent.id, limit: 2 }));
    expect(listed.map((s) => s.id)).toEqual([v2Id, ...[...ids].reverse()]);
  });

  it('iterates oldest first with order=asc', async () => {
    const listed = await collect(bosun.client.beta.sessions.list({ agent_id: agent.id, limit: 2, order: 'asc' }));
    expect(listed.map((s) => s.id)).toEqual([...ids, v2Id]);
  });

  it('pages through every session of the server', async () => {
    const listed = (await collect(bosun.client.beta.sessions.list({ limit: 3 }))).map((s) => s.id);
    expect(new Set(listed).size).toBe(listed.length);
    expect(listed).toEqual(expect.arrayContaining([...ids, v2Id]));
    expect(listed).not.toContain(archivedId);
  });

  it('filters on statuses[] (archived sessions are terminated and hidden by default)', async () => {
    const idle = await collect(bosun.client.beta.sessions.list({ agent_id: agent.id, statuses: ['idle'] }));
    expect(idle.map((s) => s.id).sort()).toEqual([...ids, v2Id].sort());
    const terminated = await collect(
      bosun.client.beta.sessions.list({ agent_id: agent.id, statuses: ['terminated'], include_archived: true }),
    );
    expect(terminated.map((s) => [s.id, s.status])).toEqual([[archivedId, 'terminated']]);
    expect(await collect(bosun.client.beta.sessions.list({ agent_id: agent.id, statuses: ['terminated'] }))).toEqual(
      [],
    );
    const either = await collect(
      bosun.client.beta.sessions.list({ agent_id: agent.id, statuses: ['idle', 'running'], limit: 2 }),
    );
    expect(either).toHaveLength(6);
    await apiError(bosun.client.beta.sessions.list({ statuses: ['sleeping' as never] }), BadRequestError);
  });

  it('filters on agent_id and agent_version', async () => {
    const v1 = await collect(bosun.client.beta.sessions.list({ agent_id: agent.id, agent_version: 1 }));
    expect(v1.map((s) => s.id).sort()).toEqual([...ids].sort());
    const v2 = await collect(bosun.client.beta.sessions.list({ agent_id: agent.id, agent_version: 2 }));
    expect(v2.map((s) => s.id)).toEqual([v2Id]);
    const withArchived = await collect(
      bosun.client.beta.sessions.list({ agent_id: agent.id, agent_version: 1, include_archived: true }),
    );
    expect(withArchived).toHaveLength(6);
    expect(await collect(bosun.client.beta.sessions.list({ agent_id: 'agent_unknown' }))).toEqual([]);
  });
});

describe('sessions: archive and delete', () => {
  it('archives: terminated, archived_at set, logged, and no longer accepting events', async () => {
    const session = await createSession(bosun.client, { environment_id: environmentId });
    const archived = await bosun.client.beta.sessions.archive(session.id);
    expect(archived).toMatchObject({ id: session.id, status: 'terminated', archived_at: anyString });
    expect(await bosun.client.beta.sessions.retrieve(session.id)).toMatchObject({
      status: 'terminated',
      archived_at: archived.archived_at,
    });
    expect((await eventsOf(session.id)).map((event) => event.type)).toEqual(['session.status_terminated']);
    await apiError(
      bosun.client.beta.sessions.events.send(session.id, { events: [userMessage('hi')] }),
      BadRequestError,
    );

    const again = await bosun.client.beta.sessions.archive(session.id);
    expect(again.archived_at).toBe(archived.archived_at);
    expect((await eventsOf(session.id)).map((event) => event.type)).toEqual(['session.status_terminated']);
  });

  it('deletes permanently: session_deleted, then 404 everywhere', async () => {
    const session = await createSession(bosun.client, {
      environment_id: environmentId,
      initial_events: [userMessage('x')],
    });
    expect(await bosun.client.beta.sessions.delete(session.id)).toEqual({ id: session.id, type: 'session_deleted' });
    await apiError(bosun.client.beta.sessions.retrieve(session.id), NotFoundError);
    await apiError(
      bosun.client.beta.sessions.events.list(session.id).then((page) => page.data),
      NotFoundError,
    );
    await apiError(bosun.client.beta.sessions.delete(session.id), NotFoundError);
    const listed = await collect(bosun.client.beta.sessions.list({ include_archived: true, limit: 100 }));
    expect(listed.map((s) => s.id)).not.toContain(session.id);
  });
});

describe('sessions: races with delete', () => {
  it('answers events.send and update racing a delete with 200 or 404, never 5xx', async () => {
    for (let i = 0; i < 10; i++) {
      const session = await createSession(bosun.client, { environment_id: environmentId });
      const results = await Promise.allSettled([
        bosun.client.beta.sessions.events.send(session.id, { events: [userMessage(`race ${i}`)] }),
        bosun.client.beta.sessions.update(session.id, { title: `race ${i}` }),
        bosun.client.beta.sessions.delete(session.id),
        bosun.client.beta.sessions.events.send(session.id, { events: [userMessage(`late ${i}`)] }),
      ]);
      for (const result of results) {
        if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(NotFoundError);
      }
      await apiError(bosun.client.beta.sessions.retrieve(session.id), NotFoundError);
    }
  });
});

describe('sessions: model in snapshots', () => {
  it('copies the model config exactly', async () => {
    const agent = await createAgent(bosun.client, { model: { id: MODEL, effort: 'medium' } });
    const session = await createSession(bosun.client, { agent: agent.id, environment_id: environmentId });
    expect(session.agent.model).toEqual(agent.model);
  });
});
