import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBosun, type TestBosun } from '../helpers/bosun.js';
import { anyString, matching, MODEL } from '../helpers/fixtures.js';

/**
 * Literal wire shapes, read with raw fetch: key sets, envelopes, query encodings and framing the
 * SDK depends on. A refactor that renames or drops a field fails here even if the SDK tolerates it.
 */
let bosun: TestBosun;
beforeAll(async () => {
  bosun = await startTestBosun();
});
afterAll(() => bosun.close());

type Json = Record<string, unknown>;

async function call(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; headers: Headers; json: Json }> {
  const response = await bosun.fetch(path, {
    method,
    headers: {
      'content-type': 'application/json',
      'anthropic-version': '2026-10-21',
      'anthropic-beta': 'managed-agents-2026-04-01',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return { status: response.status, headers: response.headers, json: (await response.json()) as Json };
}

const keys = (value: unknown) => Object.keys(value as Json).sort();
const idOf = (value: Json) => String(value['id']);

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

describe('wire: object shapes', () => {
  let agent: Json;
  let environment: Json;
  let session: Json;

  beforeAll(async () => {
    agent = (await call('POST', '/v1/agents', { name: 'wire', model: MODEL })).json;
    environment = (await call('POST', '/v1/environments', { name: 'wire' })).json;
    session = (await call('POST', '/v1/sessions', { agent: agent['id'], environment_id: environment['id'] })).json;
  });

  it('agent', () => {
    expect(keys(agent)).toEqual([
      'archived_at',
      'created_at',
      'description',
      'execution_identity',
      'id',
      'mcp_servers',
      'metadata',
      'model',
      'multiagent',
      'name',
      'skills',
      'system',
      'tools',
      'type',
      'updated_at',
      'version',
    ]);
    expect(agent).toMatchObject({ type: 'agent', version: 1, execution_identity: { type: 'service_account' } });
    expect(keys(agent['model'])).toEqual(['effort', 'id', 'speed']);
    expect(agent['created_at']).toMatch(TIMESTAMP);
  });

  it('environment', () => {
    expect(keys(environment)).toEqual([
      'archived_at',
      'config',
      'created_at',
      'description',
      'id',
      'metadata',
      'name',
      'scope',
      'type',
      'updated_at',
    ]);
    expect(environment['config']).toEqual({
      type: 'cloud',
      networking: { type: 'unrestricted' },
      packages: { type: 'packages', apt: [], cargo: [], gem: [], go: [], npm: [], pip: [] },
    });
  });

  it('session', () => {
    expect(keys(session)).toEqual([
      'agent',
      'archived_at',
      'budget',
      'created_at',
      'environment_id',
      'id',
      'metadata',
      'outcome_evaluations',
      'resources',
      'stats',
      'status',
      'title',
      'type',
      'updated_at',
      'usage',
      'vault_ids',
    ]);
    expect(keys(session['agent'])).toEqual([
      'description',
      'execution_identity',
      'id',
      'mcp_servers',
      'model',
      'multiagent',
      'name',
      'skills',
      'system',
      'tools',
      'type',
      'version',
    ]);
    expect(keys(session['stats'])).toEqual(['active_seconds', 'duration_seconds']);
    expect(session['usage']).toEqual({
      input_tokens: 0,
      output_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
      active_seconds: 0,
      list_cost: { amount: '0', currency: 'USD' },
    });
    expect(session['status']).toBe('idle');
  });

  it('sent events and the send response', async () => {
    const sent = await call('POST', `/v1/sessions/${idOf(session)}/events`, {
      events: [{ type: 'user.message', content: [{ type: 'text', text: 'hi' }] }],
    });
    expect(keys(sent.json)).toEqual(['data']);
    const [event] = sent.json['data'] as Json[];
    expect(keys(event)).toEqual(['content', 'id', 'processed_at', 'type']);
    expect(event).toEqual({
      id: matching(/^sevt_/),
      type: 'user.message',
      content: [{ type: 'text', text: 'hi' }],
      processed_at: null,
    });
  });

  it('delete responses', async () => {
    const env = (await call('POST', '/v1/environments', { name: 'to delete' })).json;
    expect((await call('DELETE', `/v1/environments/${idOf(env)}`)).json).toEqual({
      id: env['id'],
      type: 'environment_deleted',
    });
    const doomed = (await call('POST', '/v1/sessions', { agent: agent['id'], environment_id: environment['id'] })).json;
    expect((await call('DELETE', `/v1/sessions/${idOf(doomed)}`)).json).toEqual({
      id: doomed['id'],
      type: 'session_deleted',
    });
  });
});

describe('wire: list envelopes', () => {
  it('PageCursor lists are exactly {data, next_page}', async () => {
    await call('POST', '/v1/agents', { name: 'one', model: MODEL });
    await call('POST', '/v1/agents', { name: 'two', model: MODEL });
    const first = await call('GET', '/v1/agents?limit=1');
    expect(keys(first.json)).toEqual(['data', 'next_page']);
    expect(first.json['next_page']).toEqual(anyString);
    const environments = await call('GET', '/v1/environments');
    expect(keys(environments.json)).toEqual(['data', 'next_page']);
    const agentId = ((first.json['data'] as Json[])[0] as Json)['id'];
    expect(keys((await call('GET', `/v1/agents/${String(agentId)}/versions`)).json)).toEqual(['data', 'next_page']);
  });

  it('the next page is the original query plus page=<next_page>', async () => {
    const first = await call('GET', '/v1/agents?limit=1&include_archived=false');
    const second = await call(
      'GET',
      `/v1/agents?limit=1&include_archived=false&page=${String(first.json['next_page'])}`,
    );
    expect((second.json['data'] as Json[])[0]).not.toEqual((first.json['data'] as Json[])[0]);
  });

  it('sessions.list is {data, next_page, prev_page}', async () => {
    const sessions = await call('GET', '/v1/sessions');
    expect(keys(sessions.json)).toEqual(['data', 'next_page', 'prev_page']);
  });

  it('reads percent-encoded bracket arrays and literal bracket keys', async () => {
    const agent = (await call('POST', '/v1/agents', { name: 'q', model: MODEL })).json;
    const environment = (await call('POST', '/v1/environments', { name: 'q' })).json;
    const session = (await call('POST', '/v1/sessions', { agent: agent['id'], environment_id: environment['id'] }))
      .json;
    await call('POST', `/v1/sessions/${idOf(session)}`, { title: 't' });
    await call('POST', `/v1/sessions/${idOf(session)}/events`, {
      events: [{ type: 'user.message', content: [{ type: 'text', text: 'x' }] }],
    });

    const idle = await call('GET', `/v1/sessions?agent_id=${idOf(agent)}&statuses%5B%5D=idle&statuses%5B%5D=running`);
    expect((idle.json['data'] as Json[]).map((s) => s['id'])).toEqual([session['id']]);
    const none = await call('GET', `/v1/sessions?agent_id=${idOf(agent)}&statuses%5B%5D=terminated`);
    expect(none.json['data']).toEqual([]);

    const typed = await call('GET', `/v1/sessions/${idOf(session)}/events?types%5B%5D=session.updated`);
    expect((typed.json['data'] as Json[]).map((e) => e['type'])).toEqual(['session.updated']);
    const bare = await call('GET', `/v1/sessions/${idOf(session)}/events?types=user.message`);
    expect((bare.json['data'] as Json[]).map((e) => e['type'])).toEqual(['user.message']);

    const future = encodeURIComponent('2999-01-01T00:00:00Z');
    const literal = await call('GET', `/v1/agents?created_at[gte]=${future}`);
    expect(literal.json['data']).toEqual([]);
    const encoded = await call('GET', `/v1/agents?created_at%5Bgte%5D=${future}`);
    expect(encoded.json['data']).toEqual([]);
  });
});

describe('wire: errors', () => {
  it('an error envelope is exactly {type, error: {type, message, details?}, request_id}', async () => {
    const notFound = await call('GET', '/v1/agents/agent_x');
    expect(notFound.status).toBe(404);
    expect(keys(notFound.json)).toEqual(['error', 'request_id', 'type']);
    expect(keys(notFound.json['error'])).toEqual(['message', 'type']);
    expect(notFound.json['request_id']).toBe(notFound.headers.get('request-id'));

    const environment = (await call('POST', '/v1/environments', { name: 'typed' })).json;
    const typed = await call('POST', `/v1/environments/${idOf(environment)}`, { config: { type: 'self_hosted' } });
    expect(typed.status).toBe(400);
    expect(typed.json['error']).toEqual({
      type: 'invalid_request_error',
      message: anyString,
      details: { error_code: 'invalid_config_type_change' },
    });
  });
});

describe('wire: SSE', () => {
  it('a stream message is `event: <type>\\nid: <seq>\\ndata: <json>\\n\\n`', async () => {
    const agent = (await call('POST', '/v1/agents', { name: 'sse', model: MODEL })).json;
    const environment = (await call('POST', '/v1/environments', { name: 'sse' })).json;
    const session = (await call('POST', '/v1/sessions', { agent: agent['id'], environment_id: environment['id'] }))
      .json;
    const sent = await call('POST', `/v1/sessions/${idOf(session)}/events`, {
      events: [{ type: 'user.message', content: [{ type: 'text', text: 'framed' }] }],
    });
    const [event] = sent.json['data'] as Json[];
    const response = await bosun.fetch(`/v1/sessions/${idOf(session)}/events/stream`, {
      headers: { 'Last-Event-ID': '0' },
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let raw = '';
    while (!raw.includes('\n\n')) raw += (await reader.read()).value ?? '';
    await reader.cancel();
    expect(raw.slice(0, raw.indexOf('\n\n') + 2)).toBe(
      `event: user.message\nid: 1\ndata: ${JSON.stringify(event)}\n\n`,
    );
  });
});
