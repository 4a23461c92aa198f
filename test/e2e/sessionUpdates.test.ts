import { BadRequestError, NotFoundError } from '@anthropic-ai/sdk';
import type { BetaManagedAgentsBudgetLimit } from '@anthropic-ai/sdk/resources/beta/sessions/sessions.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBosun, type TestBosun } from '../helpers/bosun.js';
import { anyString, apiError, collect, createAgent, createEnvironment, createSession } from '../helpers/fixtures.js';

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

async function eventsOf(sessionId: string) {
  return collect(bosun.client.beta.sessions.events.list(sessionId));
}

describe('sessions: update', () => {
  it('sets the title and records session.updated with only that field', async () => {
    const session = await createSession(bosun.client, { environment_id: environmentId, metadata: { a: '1' } });
    const updated = await bosun.client.beta.sessions.update(session.id, { title: 'Renamed' });
    expect(updated).toMatchObject({ id: session.id, title: 'Renamed', metadata: { a: '1' } });
    expect((await bosun.client.beta.sessions.retrieve(session.id)).title).toBe('Renamed');

    const events = await eventsOf(session.id);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({ type: 'session.updated', title: 'Renamed' });
    expect(Object.keys(event!).sort()).toEqual(['id', 'processed_at', 'title', 'type']);
    expect(event!.processed_at).toEqual(anyString);
  });

  it('patches metadata and records the whole bag', async () => {
    const session = await createSession(bosun.client, {
      environment_id: environmentId,
      title: 'kept',
      metadata: { keep: '1', drop: '2' },
    });
    const updated = await bosun.client.beta.sessions.update(session.id, { metadata: { drop: null, add: '3' } });
    expect(updated.metadata).toEqual({ keep: '1', add: '3' });
    expect(updated.title).toBe('kept');
    const [event] = await eventsOf(session.id);
    expect(event).toMatchObject({ type: 'session.updated', metadata: { keep: '1', add: '3' } });
    expect(event).not.toHaveProperty('title');
    expect(event).not.toHaveProperty('budget');
  });

  it('records nothing when nothing changed', async () => {
    const session = await createSession(bosun.client, {
      environment_id: environmentId,
      title: 't',
      metadata: { a: '1' },
    });
    const same = await bosun.client.beta.sessions.update(session.id, { title: 't', metadata: { a: '1', gone: null } });
    expect(same).toMatchObject({ title: 't', metadata: { a: '1' } });
    expect(await eventsOf(session.id)).toEqual([]);
  });

  it('replaces the agent tools of the session, not of the agent', async () => {
    const agent = await createAgent(bosun.client, { tools: [customTool('a')] });
    const session = await createSession(bosun.client, { agent: agent.id, environment_id: environmentId });
    const updated = await bosun.client.beta.sessions.update(session.id, { agent: { tools: [customTool('b')] } });
    expect(updated.agent.tools).toHaveLength(1);
    expect(updated.agent.tools[0]).toMatchObject({ name: 'b' });
    const [event] = await eventsOf(session.id);
    expect(event).toMatchObject({ type: 'session.updated', agent: { id: agent.id, tools: [{ name: 'b' }] } });
    expect((await bosun.client.beta.agents.retrieve(agent.id)).tools[0]).toMatchObject({ name: 'a' });
  });

  it('cannot add a budget to a session created without one (budget_create_only)', async () => {
    const session = await createSession(bosun.client, { environment_id: environmentId });
    const error = await apiError(
      bosun.client.beta.sessions.update(session.id, { budget: budget('100') }),
      BadRequestError,
    );
    expect(error.errorCode).toBe('budget_create_only');
    expect((await bosun.client.beta.sessions.retrieve(session.id)).budget).toBeNull();
    expect(await eventsOf(session.id)).toEqual([]);
  });

  it('replaces, refuses a budget not above the consumed cost, removes, and never re-adds', async () => {
    const session = await createSession(bosun.client, { environment_id: environmentId, budget: budget('1000') });
    expect((await bosun.client.beta.sessions.update(session.id, { budget: budget('3000') })).budget).toEqual(
      budget('3000'),
    );

    const notRaised = await apiError(
      bosun.client.beta.sessions.update(session.id, { budget: budget('0') }),
      BadRequestError,
    );
    expect(notRaised.errorCode).toBe('budget_not_raised');

    const removed = await bosun.client.beta.sessions.update(session.id, { budget: null });
    expect(removed.budget).toBeNull();
    const readd = await apiError(
      bosun.client.beta.sessions.update(session.id, { budget: budget('5000') }),
      BadRequestError,
    );
    expect(readd.errorCode).toBe('budget_create_only');

    const events = await eventsOf(session.id);
    expect(events.map((event) => ['budget' in event ? event.budget : 'absent', event.type])).toEqual([
      [budget('3000'), 'session.updated'],
      [null, 'session.updated'],
    ]);
  });

  it('clears the title with null and records title: null', async () => {
    const session = await createSession(bosun.client, { environment_id: environmentId, title: 'has one' });
    const cleared = await bosun.client.beta.sessions.update(session.id, { title: null });
    expect(cleared.title).toBeNull();
    expect(cleared.updated_at >= session.updated_at).toBe(true);
    const [event] = await eventsOf(session.id);
    expect(event).toMatchObject({ type: 'session.updated', title: null });
  });

  it('omits metadata from session.updated when the bag is cleared to empty', async () => {
    const session = await createSession(bosun.client, { environment_id: environmentId, metadata: { only: 'one' } });
    const updated = await bosun.client.beta.sessions.update(session.id, { metadata: { only: null } });
    expect(updated.metadata).toEqual({});
    const events = await eventsOf(session.id);
    expect(events.map((event) => event.type)).toEqual(['session.updated']);
    expect(events[0]).not.toHaveProperty('metadata');
  });

  it('refuses to change the agent of a session created with overrides', async () => {
    const agent = await createAgent(bosun.client);
    const session = await bosun.client.beta.sessions.create({
      agent: { type: 'agent_with_overrides', id: agent.id, system: 'x' },
      environment_id: environmentId,
    });
    await apiError(bosun.client.beta.sessions.update(session.id, { agent: { tools: [] } }), BadRequestError);
    expect(await eventsOf(session.id)).toEqual([]);
  });

  it('refuses updates to an archived session', async () => {
    const session = await createSession(bosun.client, { environment_id: environmentId });
    await bosun.client.beta.sessions.archive(session.id);
    await apiError(bosun.client.beta.sessions.update(session.id, { title: 'late' }), BadRequestError);
    expect((await bosun.client.beta.sessions.retrieve(session.id)).title).toBeNull();
  });

  it('rejects a vault_ids update with a 400 naming the field', async () => {
    const vault = await bosun.client.beta.vaults.create({ display_name: 'a' });
    const session = await createSession(bosun.client, { environment_id: environmentId, vault_ids: [vault.id] });
    const error = await apiError(
      bosun.client.beta.sessions.update(session.id, { vault_ids: ['vlt_b'] }),
      BadRequestError,
    );
    expect(error.apiMessage).toContain('vault_ids');
    expect((await bosun.client.beta.sessions.retrieve(session.id)).vault_ids).toEqual([vault.id]);
  });

  it('answers 404 for an unknown session', async () => {
    await apiError(bosun.client.beta.sessions.update('sesn_unknown', { title: 'x' }), NotFoundError);
  });
});
