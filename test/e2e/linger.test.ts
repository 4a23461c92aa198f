import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel } from '../../src/models/scripted/scriptedModelServer.js';
import { FAST_LIMITS, startTestBosun, type TestBosun } from '../helpers/bosun.js';

type Model = Awaited<ReturnType<typeof startScriptedModel>>;
let model: Model;
let bosun: TestBosun;
const LINGER_MS = 400;

beforeAll(async () => {
  model = await startScriptedModel({ respond: () => ({ content: [{ type: 'text', text: 'ok' }] }) });
  bosun = await startTestBosun({ modelUrl: model.url, limits: { ...FAST_LIMITS, lingerMs: LINGER_MS } });
});
afterAll(async () => {
  await bosun.close();
  await model.close();
});

async function newSession(target: TestBosun) {
  const client = target.client;
  const agent = await client.beta.agents.create({ name: 'linger', model: 'claude-sonnet-4-6' });
  const environment = await client.beta.environments.create({ name: 'env' });
  return (await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id })).id;
}

/** Sends a message and waits for the turn to end. */
async function turn(target: TestBosun, sessionId: string, text: string) {
  const stream = await target.client.beta.sessions.events.stream(sessionId);
  await target.client.beta.sessions.events.send(sessionId, {
    events: [{ type: 'user.message', content: [{ type: 'text', text }] }],
  });
  for await (const event of stream) if (event.type === 'session.status_idle') break;
}

function lease(target: TestBosun, sessionId: string) {
  return target.server.store.db
    .prepare('SELECT holder, epoch, expires_at AS expiresAt FROM leases WHERE session_id = ?')
    .get(sessionId) as { holder: string; epoch: number; expiresAt: number };
}

async function brainHealth(target: TestBosun) {
  const body = (await (await fetch(`${target.server.url}/healthz`)).json()) as {
    brain: { running_sessions: number; lingering_sessions: number };
  };
  return body.brain;
}

describe('an idle session lingers on its worker (lingerMs)', () => {
  it('keeps its lease for the next event, then releases it; each turn is answered', async () => {
    const sessionId = await newSession(bosun);
    await turn(bosun, sessionId, 'one');
    const held = lease(bosun, sessionId);
    expect(held.expiresAt).toBeGreaterThan(Date.now());
    expect(await brainHealth(bosun)).toMatchObject({ running_sessions: 0, lingering_sessions: 1 });

    // Within the linger: same lease, no new acquire.
    await turn(bosun, sessionId, 'two');
    expect(lease(bosun, sessionId).epoch).toBe(held.epoch);

    // After it: released, and the next turn acquires a newer epoch.
    await new Promise((resolve) => setTimeout(resolve, LINGER_MS * 2));
    expect(lease(bosun, sessionId).expiresAt).toBe(0);
    expect(await brainHealth(bosun)).toMatchObject({ lingering_sessions: 0 });
    await turn(bosun, sessionId, 'three');
    expect(lease(bosun, sessionId).epoch).toBeGreaterThan(held.epoch);

    const messages = (await bosun.client.beta.sessions.events.list(sessionId)).data.filter(
      (event) => event.type === 'agent.message',
    );
    expect(messages).toHaveLength(3);
  });

  it('ends the linger at shutdown: the server stops at once and releases the lease', async () => {
    const other = await startTestBosun({ modelUrl: model.url, limits: { ...FAST_LIMITS, lingerMs: 60_000 } });
    const sessionId = await newSession(other);
    await turn(other, sessionId, 'hi');
    expect(await brainHealth(other)).toMatchObject({ lingering_sessions: 1 });
    const started = Date.now();
    await other.close({ keepData: true });
    expect(Date.now() - started).toBeLessThan(5_000);
    const reopened = await other.restart();
    try {
      expect(lease(reopened, sessionId).expiresAt).toBe(0);
    } finally {
      await reopened.close();
    }
  });

  it('takes no capacity while lingering: with room for one session, others still run', async () => {
    const one = await startTestBosun({
      modelUrl: model.url,
      limits: { ...FAST_LIMITS, lingerMs: 60_000, maxConcurrentSessions: 1 },
    });
    try {
      const first = await newSession(one);
      const second = await newSession(one);
      await turn(one, first, 'a');
      await turn(one, second, 'b');
      await turn(one, first, 'c');
      expect(await brainHealth(one)).toMatchObject({ running_sessions: 0, lingering_sessions: 2 });
    } finally {
      await one.close();
    }
  });
});
