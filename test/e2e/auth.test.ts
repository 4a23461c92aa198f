import Anthropic, { AuthenticationError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBosun, type TestBosun } from '../helpers/bosun.js';
import { anyArray, anyString, apiError, MODEL } from '../helpers/fixtures.js';

let bosun: TestBosun;
beforeAll(async () => {
  bosun = await startTestBosun();
});
afterAll(() => bosun.close());

const raw = (path: string, headers: Record<string, string> = {}) => fetch(`${bosun.server.url}${path}`, { headers });

async function expect401(response: Response) {
  expect(response.status).toBe(401);
  const body = await response.json();
  expect(body).toEqual({
    type: 'error',
    error: { type: 'authentication_error', message: anyString },
    request_id: response.headers.get('request-id'),
  });
  // The error must never echo the presented key back.
  expect(JSON.stringify(body)).not.toContain('wrong-key');
}

describe('auth', () => {
  it('accepts the key as Authorization: Bearer (what the SDK sends)', async () => {
    const response = await raw('/v1/agents', { authorization: `Bearer ${bosun.server.apiKey}` });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: anyArray, next_page: null });
    const agent = await bosun.client.beta.agents.create({ name: 'bearer', model: MODEL });
    expect(agent.name).toBe('bearer');
  });

  it('accepts the key as x-api-key (for other clients)', async () => {
    expect((await raw('/v1/agents', { 'x-api-key': bosun.server.apiKey })).status).toBe(200);
    // The SDK can send it too when the caller sets the header by hand.
    const client = new Anthropic({
      baseURL: bosun.server.url,
      apiKey: null,
      authToken: null,
      maxRetries: 0,
      defaultHeaders: { 'x-api-key': bosun.server.apiKey },
    });
    expect((await client.beta.agents.list()).data).toEqual(anyArray);
  });

  it('rejects a wrong key through the SDK with AuthenticationError', async () => {
    const client = new Anthropic({ baseURL: bosun.server.url, apiKey: 'wrong-key', maxRetries: 0 });
    const error = await apiError(client.beta.agents.list(), AuthenticationError);
    expect(error.status).toBe(401);
    expect(error.type).toBe('authentication_error');
    expect(error.requestID).toMatch(/^req_/);
    await apiError(client.beta.sessions.create({ agent: 'agent_x', environment_id: 'env_x' }), AuthenticationError);
  });

  it('rejects a missing or wrong key on every /v1 route, raw', async () => {
    await expect401(await raw('/v1/agents'));
    await expect401(await raw('/v1/sessions/sesn_x/events/stream'));
    await expect401(await raw('/v1/environments', { 'x-api-key': 'wrong-key' }));
    await expect401(await raw('/v1/sessions', { authorization: 'Bearer wrong-key' }));
    await expect401(await raw('/v1/sessions', { authorization: `Basic ${bosun.server.apiKey}` }));
    await expect401(await raw('/v1/sessions', { authorization: 'Bearer ' }));
    // Unknown routes under /v1 are not an oracle for unauthenticated callers.
    await expect401(await raw('/v1/does-not-exist'));
  });

  it('checks the key before the body', async () => {
    const response = await fetch(`${bosun.server.url}/v1/agents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    await expect401(response);
  });

  it('serves /healthz without a key', async () => {
    const response = await raw('/healthz');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});
