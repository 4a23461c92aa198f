import { APIError, BadRequestError, ConflictError, ContentTooLargeError, NotFoundError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBosun, type TestBosun } from '../helpers/bosun.js';
import {
  anyObject,
  anyString,
  apiError,
  createAgent,
  createEnvironment,
  createSession,
  MODEL,
  retryingClient,
} from '../helpers/fixtures.js';

const MAX_BODY_BYTES = 64 * 1024;

let bosun: TestBosun;
beforeAll(async () => {
  bosun = await startTestBosun({ maxBodyBytes: MAX_BODY_BYTES });
});
afterAll(() => bosun.close());

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

/** Asserts the Anthropic error envelope and the request-id header; returns the envelope. */
async function expectEnvelope(response: Response, status: number, type: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const requestId = response.headers.get('request-id');
  expect(requestId).toMatch(/^req_\w+$/);
  const body = (await response.json()) as {
    type: string;
    error: { type: string; message: string; details?: Record<string, unknown> };
    request_id: string;
  };
  expect(body).toEqual({
    type: 'error',
    error: { type, message: anyString, ...(body.error.details ? { details: anyObject } : {}) },
    request_id: requestId,
  });
  expect(body.error.message.length).toBeGreaterThan(0);
  return body;
}

describe('errors: the envelope', () => {
  it('every 4xx carries {type: "error", error: {type, message}, request_id} and a request-id header', async () => {
    const agent = await createAgent(bosun.client, { name: 'v1' });
    await bosun.client.beta.agents.update(agent.id, { name: 'v2' });
    await expectEnvelope(await bosun.fetch('/v1/agents', json({ name: 'x' })), 400, 'invalid_request_error');
    await expectEnvelope(await fetch(`${bosun.server.url}/v1/agents`), 401, 'authentication_error');
    await expectEnvelope(await bosun.fetch('/v1/agents/agent_missing'), 404, 'not_found_error');
    const conflict = await expectEnvelope(
      await bosun.fetch(`/v1/agents/${agent.id}`, json({ version: 1, name: 'stale' })),
      409,
      'conflict_error',
    );
    expect(conflict.error.details).toEqual({ error_code: 'version_mismatch' });
    await expectEnvelope(
      await bosun.fetch('/v1/agents', json({ name: 'x'.repeat(MAX_BODY_BYTES), model: MODEL })),
      413,
      'request_too_large',
    );
  });

  it('gives each response its own request id, which the SDK exposes as requestID', async () => {
    const first = await apiError(bosun.client.beta.agents.retrieve('agent_a'), NotFoundError);
    const second = await apiError(bosun.client.beta.agents.retrieve('agent_b'), NotFoundError);
    expect(first.requestID).toMatch(/^req_/);
    expect(first.requestID).not.toBe(second.requestID);
    expect((first.error as { request_id: string }).request_id).toBe(first.requestID);
    const ok = await bosun.fetch('/v1/agents');
    expect(ok.headers.get('request-id')).toMatch(/^req_/);
  });
});

describe('errors: bad requests', () => {
  it('names an unknown field', async () => {
    const error = await apiError(
      bosun.client.beta.agents.create({ name: 'a', model: MODEL, temperature: 0.2 } as never),
      BadRequestError,
    );
    expect(error.type).toBe('invalid_request_error');
    expect(error.apiMessage).toContain('temperature');

    const environment = await apiError(
      bosun.client.beta.environments.create({ name: 'e', config: { type: 'cloud', gpu: true } } as never),
      BadRequestError,
    );
    expect(environment.apiMessage).toContain('gpu');

    const session = await createSession(bosun.client);
    const event = await apiError(
      bosun.client.beta.sessions.events.send(session.id, {
        events: [{ type: 'user.message', content: [{ type: 'text', text: 'x' }], priority: 'high' } as never],
      }),
      BadRequestError,
    );
    expect(event.apiMessage).toContain('priority');

    const query = await bosun.fetch('/v1/agents?colour=red');
    expect((await expectEnvelope(query, 400, 'invalid_request_error')).error.message).toContain('colour');
  });

  it('names a missing required field and a wrongly typed one', async () => {
    const missing = await apiError(bosun.client.beta.agents.create({ name: 'no model' } as never), BadRequestError);
    expect(missing.apiMessage).toContain('model');
    const typed = await apiError(bosun.client.beta.agents.create({ name: 42, model: MODEL } as never), BadRequestError);
    expect(typed.apiMessage).toContain('name');
  });

  it('answers malformed JSON with 400', async () => {
    const body = await expectEnvelope(
      await bosun.fetch('/v1/agents', json('{"name": "a",')),
      400,
      'invalid_request_error',
    );
    expect(body.error.message).toMatch(/JSON/);
    await expectEnvelope(await bosun.fetch('/v1/agents', json('[1, 2]')), 400, 'invalid_request_error');
    await expectEnvelope(await bosun.fetch('/v1/agents', json('null')), 400, 'invalid_request_error');
  });

  it('answers an oversized body with 413, through the SDK too, and creates nothing', async () => {
    const name = `big-${Date.now()}`;
    const error = await apiError(
      bosun.client.beta.agents.create({ name, model: MODEL, system: 'x'.repeat(MAX_BODY_BYTES * 2) }),
      ContentTooLargeError,
    );
    expect(error.status).toBe(413);
    // Without a content-length the limit still holds (chunked upload).
    const chunked = await bosun.fetch('/v1/agents', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          const chunk = new TextEncoder().encode('x'.repeat(16 * 1024));
          controller.enqueue(new TextEncoder().encode(`{"name":"${name}","model":"${MODEL}","system":"`));
          for (let i = 0; i < 8; i++) controller.enqueue(chunk);
          controller.enqueue(new TextEncoder().encode('"}'));
          controller.close();
        },
      }),
      duplex: 'half',
    });
    await expectEnvelope(chunked, 413, 'request_too_large');
    const agents = await bosun.client.beta.agents.list({ limit: 1000 });
    expect(agents.data.filter((agent) => agent.name === name)).toEqual([]);
  });

  it('rejects a bad page cursor and an out-of-range limit', async () => {
    await apiError(bosun.client.beta.agents.list({ page: 'not-a-cursor' }), BadRequestError);
    await apiError(bosun.client.beta.agents.list({ limit: 0 }), BadRequestError);
    await apiError(bosun.client.beta.sessions.list({ limit: 0 }), BadRequestError);
  });
});

describe('errors: not found', () => {
  it('answers unknown ids with 404 not_found_error on every resource', async () => {
    const session = await createSession(bosun.client);
    const requests: Array<[string, () => PromiseLike<unknown>]> = [
      ['agent', () => bosun.client.beta.agents.retrieve('agent_nope')],
      ['agent update', () => bosun.client.beta.agents.update('agent_nope', { name: 'x' })],
      ['agent archive', () => bosun.client.beta.agents.archive('agent_nope')],
      ['environment', () => bosun.client.beta.environments.retrieve('env_nope')],
      ['environment delete', () => bosun.client.beta.environments.delete('env_nope')],
      ['environment archive', () => bosun.client.beta.environments.archive('env_nope')],
      ['session', () => bosun.client.beta.sessions.retrieve('sesn_nope')],
      ['session update', () => bosun.client.beta.sessions.update('sesn_nope', { title: 'x' })],
      ['session archive', () => bosun.client.beta.sessions.archive('sesn_nope')],
      ['session delete', () => bosun.client.beta.sessions.delete('sesn_nope')],
      ['events send', () => bosun.client.beta.sessions.events.send('sesn_nope', { events: [] })],
      ['events stream', () => bosun.client.beta.sessions.events.stream('sesn_nope')],
      [
        'session create: agent',
        () => bosun.client.beta.sessions.create({ agent: 'agent_nope', environment_id: session.environment_id }),
      ],
    ];
    for (const [what, request] of requests) {
      const error = await apiError(request(), NotFoundError);
      expect(error.type, what).toBe('not_found_error');
      expect(error.requestID, what).toMatch(/^req_/);
    }
  });

  it('answers unknown routes and methods with a 404 envelope', async () => {
    const agent = await createAgent(bosun.client);
    await expectEnvelope(await bosun.fetch('/v1/nothing-here'), 404, 'not_found_error');
    await expectEnvelope(await bosun.fetch('/v2/agents'), 404, 'not_found_error');
    // Agents have no delete in the API.
    await expectEnvelope(await bosun.fetch(`/v1/agents/${agent.id}`, { method: 'DELETE' }), 404, 'not_found_error');
    await expectEnvelope(await fetch(`${bosun.server.url}/nope`), 404, 'not_found_error');
  });
});

describe('errors: retry hints', () => {
  it('tells the SDK not to retry a conflict, so the SDK fails fast even with retries on', async () => {
    const agent = await createAgent(bosun.client);
    await bosun.client.beta.agents.update(agent.id, { name: 'v2' });
    const retrying = retryingClient(bosun.client);
    const error = await apiError(
      retrying.client.beta.agents.update(agent.id, { version: 1, name: 'x' }),
      ConflictError,
    );
    expect(error.headers?.get('x-should-retry')).toBe('false');
    expect(retrying.requests()).toBe(1);
  });

  it('never answers 5xx for client mistakes', async () => {
    const environment = await createEnvironment(bosun.client);
    const bodies = ['', '{}', '{"agent": 1}', `{"agent": "x", "environment_id": "${environment.id}", "budget": 5}`];
    for (const body of bodies) {
      const response = await bosun.fetch('/v1/sessions', json(body));
      expect(response.status, body).toBeGreaterThanOrEqual(400);
      expect(response.status, body).toBeLessThan(500);
    }
    const error = await apiError(bosun.client.beta.agents.retrieve('agent_x', { version: -1 }), APIError);
    expect(error.status).toBe(400);
  });
});
