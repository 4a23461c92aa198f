import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel } from '../../src/models/scripted/scriptedModelServer.js';
import { FAST_LIMITS, startTestBosun, type TestBosun } from '../helpers/bosun.js';

type Model = Awaited<ReturnType<typeof startScriptedModel>>;
let model: Model;
let bosun: TestBosun;

beforeAll(async () => {
  model = await startScriptedModel({});
  bosun = await startTestBosun({
    modelUrl: model.url,
    limits: { ...FAST_LIMITS, stallAfterMs: 300, modelIdleTimeoutMs: 60_000 },
  });
});
afterAll(async () => {
  await bosun.close();
  await model.close();
});

describe('/healthz proves progress ("wedged but healthy")', () => {
  it('is ok with the brain idle, and degraded while a session is stuck in one step', async () => {
    const healthy = await fetch(`${bosun.server.url}/healthz`);
    expect(healthy.status).toBe(200);
    expect(await healthy.json()).toMatchObject({ status: 'ok', brain: { ok: true, stalled_sessions: [] } });

    model.enqueue({ content: [{ type: 'text', text: 'late' }], ttftMs: 1_500 });
    const client = bosun.client;
    const agent = await client.beta.agents.create({ name: 'slow', model: 'claude-sonnet-4-6' });
    const environment = await client.beta.environments.create({ name: 'env' });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await client.beta.sessions.events.send(session.id, {
      events: [{ type: 'user.message', content: [{ type: 'text', text: 'hi' }] }],
    });
    await new Promise((resolve) => setTimeout(resolve, 700));
    const stuck = await fetch(`${bosun.server.url}/healthz`);
    expect(stuck.status).toBe(503);
    expect(await stuck.json()).toMatchObject({
      status: 'degraded',
      brain: { ok: false, stalled_sessions: [{ session_id: session.id, step: 'model_request' }] },
    });
    // Once the model answers, the step ends and the worker is healthy again.
    const deadline = Date.now() + 15_000;
    let status = 503;
    while (status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      status = (await fetch(`${bosun.server.url}/healthz`)).status;
    }
    expect(status).toBe(200);
  });
});
