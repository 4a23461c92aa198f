import { BadRequestError, ConflictError } from '@anthropic-ai/sdk';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBosun, type TestBosun } from '../helpers/bosun.js';
import { apiError, collect, createSession, MODEL, retryingClient, userMessage } from '../helpers/fixtures.js';

let bosun: TestBosun;
beforeAll(async () => {
  bosun = await startTestBosun();
});
afterAll(() => bosun.close());

const withKey = (key: string) => ({ headers: { 'Idempotency-Key': key } });

async function agentsNamed(name: string) {
  return (await collect(bosun.client.beta.agents.list({ limit: 100 }))).filter((agent) => agent.name === name);
}

describe('idempotency', () => {
  it('replays a repeated create: same object, one agent', async () => {
    const key = randomUUID();
    const name = `idem-${key}`;
    const first = await bosun.client.beta.agents.create({ name, model: MODEL }, withKey(key));
    const second = await bosun.client.beta.agents.create({ name, model: MODEL }, withKey(key));
    expect(second).toEqual(first);
    expect(await agentsNamed(name)).toEqual([first]);

    const raw = await bosun.fetch('/v1/agents', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ name, model: MODEL }),
    });
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toMatch(/^application\/json/);
    expect(raw.headers.get('request-id')).toMatch(/^req_/);
    expect(await raw.json()).toEqual(first);
  });

  it('creates separate objects for separate keys, and without a key', async () => {
    const name = `idem-distinct-${randomUUID()}`;
    const a = await bosun.client.beta.agents.create({ name, model: MODEL }, withKey(randomUUID()));
    const b = await bosun.client.beta.agents.create({ name, model: MODEL }, withKey(randomUUID()));
    const c = await bosun.client.beta.agents.create({ name, model: MODEL });
    expect(new Set([a.id, b.id, c.id]).size).toBe(3);
    expect(await agentsNamed(name)).toHaveLength(3);
  });

  it('answers 409 when a key is reused with a different body, and acts on neither', async () => {
    const key = randomUUID();
    const name = `idem-conflict-${key}`;
    const first = await bosun.client.beta.agents.create({ name, model: MODEL }, withKey(key));
    const error = await apiError(
      bosun.client.beta.agents.create({ name: `${name}-other`, model: MODEL }, withKey(key)),
      ConflictError,
    );
    expect(error.status).toBe(409);
    expect(error.type).toBe('conflict_error');
    expect(error.errorCode).toBe('idempotency_key_reused');
    expect(error.headers?.get('x-should-retry')).toBe('false');
    expect(await agentsNamed(`${name}-other`)).toEqual([]);
    // The same key on another route is another request too.
    await apiError(bosun.client.beta.environments.create({ name }, withKey(key)), ConflictError);
    expect(await agentsNamed(name)).toEqual([first]);
  });

  it('stores the events of a repeated events.send once', async () => {
    const session = await createSession(bosun.client);
    const key = randomUUID();
    const events = [userMessage('only once'), userMessage('me too')];
    const first = await bosun.client.beta.sessions.events.send(session.id, { events }, withKey(key));
    const second = await bosun.client.beta.sessions.events.send(session.id, { events }, withKey(key));
    expect(second).toEqual(first);
    const stored = await collect(bosun.client.beta.sessions.events.list(session.id));
    expect(stored.map((event) => event.id)).toEqual(first.data?.map((event) => event.id));
    expect(stored).toHaveLength(2);
  });

  it('replays a stored 4xx answer for the same request', async () => {
    const key = randomUUID();
    const bad = { name: 'bad', model: MODEL, nonsense: true } as never;
    const first = await apiError(bosun.client.beta.agents.create(bad, withKey(key)), BadRequestError);
    const second = await apiError(bosun.client.beta.agents.create(bad, withKey(key)), BadRequestError);
    expect(second.apiMessage).toBe(first.apiMessage);
  });

  it('keeps a replayed 409 non-retryable, so a retrying SDK fails fast', async () => {
    const agent = await bosun.client.beta.agents.create({ name: 'stale', model: MODEL });
    await bosun.client.beta.agents.update(agent.id, { name: 'v2' });
    const key = randomUUID();
    const stale = { version: 1, name: 'x' };
    const first = await apiError(bosun.client.beta.agents.update(agent.id, stale, withKey(key)), ConflictError);
    expect(first.headers?.get('x-should-retry')).toBe('false');

    const retrying = retryingClient(bosun.client);
    const replayed = await apiError(retrying.client.beta.agents.update(agent.id, stale, withKey(key)), ConflictError);
    expect(replayed.headers?.get('idempotent-replayed')).toBe('true');
    expect(replayed.headers?.get('x-should-retry')).toBe('false');
    expect(replayed.errorCode).toBe('version_mismatch');
    expect(retrying.requests()).toBe(1);
  });

  it('rejects an over-long key', async () => {
    const error = await apiError(
      bosun.client.beta.agents.create({ name: 'long key', model: MODEL }, withKey('k'.repeat(256))),
      BadRequestError,
    );
    expect(error.apiMessage).toContain('Idempotency-Key');
    expect(await agentsNamed('long key')).toEqual([]);
  });

  it('answers concurrent duplicates with one object', async () => {
    const key = randomUUID();
    const name = `idem-race-${key}`;
    const results = await Promise.allSettled(
      [1, 2, 3].map(() => bosun.client.beta.agents.create({ name, model: MODEL }, withKey(key))),
    );
    const created = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value.id] : []));
    expect(created.length).toBeGreaterThan(0);
    expect(new Set(created).size).toBe(1);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(ConflictError);
    }
    expect(await agentsNamed(name)).toHaveLength(1);
  });
});
