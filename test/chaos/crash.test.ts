import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Anthropic from '@anthropic-ai/sdk';
import type { BetaManagedAgentsSessionEvent } from '@anthropic-ai/sdk/resources/beta/sessions/events.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startScriptedModel } from '../../src/models/scripted/scriptedModelServer.js';
import { startServerProcess, type ServerProcess } from '../helpers/serverProcess.js';

type Model = Awaited<ReturnType<typeof startScriptedModel>>;
let model: Model;
let dataDir: string;
let server: ServerProcess | undefined;

beforeEach(async () => {
  model = await startScriptedModel({});
  dataDir = mkdtempSync(join(tmpdir(), 'bosun-crash-'));
});
afterEach(async () => {
  await server?.stop();
  server = undefined;
  await model.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function listAll(client: Anthropic, sessionId: string) {
  const events: BetaManagedAgentsSessionEvent[] = [];
  for await (const event of client.beta.sessions.events.list(sessionId, { limit: 100 })) events.push(event);
  return events;
}

async function waitFor(
  client: Anthropic,
  sessionId: string,
  until: (events: BetaManagedAgentsSessionEvent[]) => boolean,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await listAll(client, sessionId);
    if (until(events)) return events;
    if (Date.now() > deadline) throw new Error(`timed out: ${events.map((e) => e.type).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const idleEndTurn = (events: BetaManagedAgentsSessionEvent[]) => {
  const last = events[events.length - 1] as { type: string; stop_reason?: { type: string } } | undefined;
  return last?.type === 'session.status_idle' && last.stop_reason?.type === 'end_turn';
};

async function setup(client: Anthropic) {
  const agent = await client.beta.agents.create({
    name: 'crashy',
    model: 'claude-sonnet-4-6',
    system: 'Survive crashes.',
    tools: [{ type: 'agent_toolset_20260401' }],
  });
  const environment = await client.beta.environments.create({ name: 'env' });
  const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
  return session.id;
}

function expectNoDuplicates(events: BetaManagedAgentsSessionEvent[]) {
  expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
}

describe('crash recovery: kill -9 and restart on the same data dir', () => {
  it('redoes a model request that was in flight, once, with the same request', async () => {
    server = await startServerProcess(dataDir, model.url);
    const sessionId = await setup(server.client);
    // An earlier turn with a tool call, so the replayed context has a tool_use/tool_result pair.
    model.enqueue(
      { content: [{ type: 'tool_use', name: 'bash', input: { command: 'echo one' } }] },
      { content: [{ type: 'text', text: 'first turn done' }] },
    );
    await server.client.beta.sessions.events.send(sessionId, {
      events: [{ type: 'user.message', content: [{ type: 'text', text: 'turn one' }] }],
    });
    await waitFor(server.client, sessionId, idleEndTurn);

    model.enqueue({ content: [{ type: 'text', text: 'never delivered' }], ttftMs: 60_000 });
    await server.client.beta.sessions.events.send(sessionId, {
      events: [{ type: 'user.message', content: [{ type: 'text', text: 'turn two' }] }],
    });
    await waitFor(
      server.client,
      sessionId,
      (events) => events.filter((e) => e.type === 'span.model_request_start').length === 3,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const crashed = model.requests[model.requests.length - 1]!;
    await server.kill();

    model.enqueue({ content: [{ type: 'text', text: 'second turn done' }] });
    server = await startServerProcess(dataDir, model.url);
    const events = await waitFor(server.client, sessionId, idleEndTurn);

    const redo = model.requests[model.requests.length - 1]!;
    // What the model sees after the crash is exactly what it saw before: nothing dropped or flattened.
    expect(redo.body['messages']).toEqual(crashed.body['messages']);
    expect(redo.body['system']).toEqual(crashed.body['system']);
    expect(redo.body['tools']).toEqual(crashed.body['tools']);
    expectNoDuplicates(events);
    const messages = events.filter(
      (e) => e.type === 'agent.message',
    ) as Anthropic.Beta.Sessions.BetaManagedAgentsAgentMessageEvent[];
    expect(messages.map((m) => (m.content[0] as { text: string }).text)).toEqual([
      'first turn done',
      'second turn done',
    ]);
    const ends = events.filter(
      (e) => e.type === 'span.model_request_end',
    ) as Anthropic.Beta.Sessions.BetaManagedAgentsSpanModelRequestEndEvent[];
    const starts = events.filter((e) => e.type === 'span.model_request_start');
    // Every span is closed, the cut-off one as an error.
    expect(ends.map((end) => end.model_request_start_id).sort()).toEqual(starts.map((start) => start.id).sort());
    expect(ends.filter((end) => end.is_error)).toHaveLength(1);
  });

  it('never re-runs a tool that was running: it is resolved as interrupted and the workspace is intact', async () => {
    server = await startServerProcess(dataDir, model.url);
    const sessionId = await setup(server.client);
    model.enqueue({
      content: [
        {
          type: 'tool_use',
          name: 'bash',
          input: { command: 'echo started >> runs.txt; sleep 30; echo finished >> runs.txt' },
        },
      ],
    });
    await server.client.beta.sessions.events.send(sessionId, {
      events: [{ type: 'user.message', content: [{ type: 'text', text: 'long job' }] }],
    });
    const workspace = join(dataDir, 'hands', sessionId, 'workspace');
    const marker = join(workspace, 'runs.txt');
    const deadline = Date.now() + 15_000;
    while (!existsSync(marker) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(readFileSync(marker, 'utf8')).toBe('started\n');
    await server.kill();

    model.enqueue({ content: [{ type: 'text', text: 'I see the job was interrupted.' }] });
    server = await startServerProcess(dataDir, model.url);
    const events = await waitFor(server.client, sessionId, idleEndTurn);
    expectNoDuplicates(events);
    const use = events.find((e) => e.type === 'agent.tool_use')!;
    const results = events.filter(
      (e) => e.type === 'agent.tool_result',
    ) as Anthropic.Beta.Sessions.BetaManagedAgentsAgentToolResultEvent[];
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ tool_use_id: use.id, is_error: true });
    expect(JSON.stringify(results[0]!.content)).toMatch(/interrupt/i);
    // Ran once, never twice, and never finished: the sandbox died with the server.
    expect(readFileSync(marker, 'utf8')).toBe('started\n');
    expect(model.requests[model.requests.length - 1]!.view.last.toolResults).toEqual([
      expect.objectContaining({ toolUseId: use.id, isError: true }),
    ]);
  });
});
