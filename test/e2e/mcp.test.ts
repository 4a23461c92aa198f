import type Anthropic from '@anthropic-ai/sdk';
import type { BetaManagedAgentsSessionEvent } from '@anthropic-ai/sdk/resources/beta/sessions/events.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel } from '../../src/models/scripted/scriptedModelServer.js';
import { FAST_LIMITS, startTestBosun, type TestBosun } from '../helpers/bosun.js';
import { startEverything, type EverythingServer } from '../helpers/mcpEverything.js';

type Model = Awaited<ReturnType<typeof startScriptedModel>>;
const TOKEN = 'mcp-bearer-secret-0123456789';
let model: Model;
let bosun: TestBosun;
let client: Anthropic;
let everything: EverythingServer;

beforeAll(async () => {
  everything = await startEverything([TOKEN]);
  model = await startScriptedModel({});
  bosun = await startTestBosun({ modelUrl: model.url, limits: FAST_LIMITS });
  client = bosun.client;
});
afterAll(async () => {
  await bosun.close();
  await model.close();
  await everything.stop();
});

async function mcpSession(url: string, policy: 'always_allow' | 'always_ask' = 'always_allow') {
  const vault = await client.beta.vaults.create({ display_name: 'mcp' });
  await client.beta.vaults.credentials.create(vault.id, {
    auth: { type: 'static_bearer', mcp_server_url: url, token: TOKEN },
  });
  const agent = await client.beta.agents.create({
    name: 'mcp',
    model: 'claude-sonnet-4-6',
    mcp_servers: [{ type: 'url', name: 'everything', url }],
    tools: [
      { type: 'mcp_toolset', mcp_server_name: 'everything', default_config: { permission_policy: { type: policy } } },
    ],
  });
  const environment = await client.beta.environments.create({ name: 'mcp' });
  const session = await client.beta.sessions.create({
    agent: agent.id,
    environment_id: environment.id,
    vault_ids: [vault.id],
  });
  return session.id;
}

async function untilIdle(sessionId: string, stop = (type: string) => type !== 'requires_action') {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const events: BetaManagedAgentsSessionEvent[] = [];
    for await (const event of client.beta.sessions.events.list(sessionId, { limit: 100 })) events.push(event);
    const last = events[events.length - 1] as { type: string; stop_reason?: { type: string } } | undefined;
    if (last?.type === 'session.status_idle' && stop(last.stop_reason?.type ?? '')) return events;
    if (Date.now() > deadline) throw new Error(`timed out: ${events.map((e) => e.type).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const send = (sessionId: string, text: string) =>
  client.beta.sessions.events.send(sessionId, {
    events: [{ type: 'user.message', content: [{ type: 'text', text }] }],
  });

describe('MCP toolsets through the official SDK, against server-everything', () => {
  it('lists the server tools for the model, calls one with the vault bearer token, and records mcp events', async () => {
    const sessionId = await mcpSession(everything.url);
    model.enqueue(
      { content: [{ type: 'tool_use', name: 'everything__echo', input: { message: 'hello over mcp' } }] },
      { content: [{ type: 'text', text: 'The server echoed.' }] },
    );
    await send(sessionId, 'echo something');
    const events = await untilIdle(sessionId);
    const first = model.requests[model.requests.length - 2]!;
    expect(first.view.toolNames).toContain('everything__echo');
    const use = events.find(
      (e) => e.type === 'agent.mcp_tool_use',
    ) as Anthropic.Beta.Sessions.BetaManagedAgentsAgentMCPToolUseEvent;
    expect(use).toMatchObject({
      mcp_server_name: 'everything',
      name: 'echo',
      input: { message: 'hello over mcp' },
      evaluated_permission: 'allow',
    });
    const result = events.find(
      (e) => e.type === 'agent.mcp_tool_result',
    ) as Anthropic.Beta.Sessions.BetaManagedAgentsAgentMCPToolResultEvent;
    expect(result.mcp_tool_use_id).toBe(use.id);
    expect(result.is_error).toBe(false);
    expect(JSON.stringify(result.content)).toContain('hello over mcp');
    expect(everything.requests.every((request) => request.token === TOKEN)).toBe(true);
    // The token never leaves the server process: not in events, not in what the model was sent.
    expect(JSON.stringify(events)).not.toContain(TOKEN);
    expect(model.requests.map((request) => request.rawBody).join('')).not.toContain(TOKEN);
  });

  it('asks before an MCP tool by default-policy always_ask', async () => {
    const sessionId = await mcpSession(everything.url, 'always_ask');
    model.enqueue(
      { content: [{ type: 'tool_use', name: 'everything__echo', input: { message: 'needs approval' } }] },
      { content: [{ type: 'text', text: 'approved and done' }] },
    );
    await send(sessionId, 'echo with approval');
    const paused = await untilIdle(sessionId, () => true);
    const use = paused.find((e) => e.type === 'agent.mcp_tool_use')!;
    expect(paused[paused.length - 1]).toMatchObject({ stop_reason: { type: 'requires_action', event_ids: [use.id] } });
    await client.beta.sessions.events.send(sessionId, {
      events: [{ type: 'user.tool_confirmation', tool_use_id: use.id, result: 'allow' }],
    });
    const done = await untilIdle(sessionId);
    expect(JSON.stringify(done.find((e) => e.type === 'agent.mcp_tool_result'))).toContain('needs approval');
  });

  it('reports an unreachable server as mcp_connection_failed_error and the session goes on', async () => {
    const sessionId = await mcpSession('http://127.0.0.1:9/mcp');
    model.enqueue({ content: [{ type: 'text', text: 'Answering without the MCP server.' }] });
    await send(sessionId, 'hello');
    const events = await untilIdle(sessionId);
    const error = events.find(
      (e) => e.type === 'session.error',
    ) as Anthropic.Beta.Sessions.BetaManagedAgentsSessionErrorEvent;
    expect(error.error).toMatchObject({
      type: 'mcp_connection_failed_error',
      mcp_server_name: 'everything',
      retry_status: { type: 'retrying' },
    });
    expect(events[events.length - 1]).toMatchObject({ stop_reason: { type: 'end_turn' } });
    expect(events.some((e) => e.type === 'agent.message')).toBe(true);
  });
});
