import type Anthropic from '@anthropic-ai/sdk';
import { accumulateManagedAgentsEvent } from '@anthropic-ai/sdk/lib/sessions/accumulate.js';
import type { BetaManagedAgentsSessionEvent } from '@anthropic-ai/sdk/resources/beta/sessions/events.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel } from '../../src/models/scripted/scriptedModelServer.js';
import { FAST_LIMITS, startTestBosun, type TestBosun } from '../helpers/bosun.js';

type Model = Awaited<ReturnType<typeof startScriptedModel>>;
let model: Model;
let bosun: TestBosun;
let client: Anthropic;

beforeAll(async () => {
  model = await startScriptedModel({});
  bosun = await startTestBosun({ modelUrl: model.url, limits: FAST_LIMITS });
  client = bosun.client;
});
afterAll(async () => {
  await bosun.close();
  await model.close();
});
afterEach(() => {
  expect(model.pending).toBe(0);
});

async function newSession(agentParams: Partial<Anthropic.Beta.Agents.AgentCreateParams> = {}) {
  const agent = await client.beta.agents.create({
    name: 'tester',
    model: 'claude-sonnet-4-6',
    system: 'You are a test agent.',
    tools: [{ type: 'agent_toolset_20260401' }],
    ...agentParams,
  });
  const environment = await client.beta.environments.create({ name: 'env' });
  const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
  return session.id;
}

/** Sends a message and collects every stored event until the session idles (or a deadline). */
async function turn(
  sessionId: string,
  text: string,
  until = (e: BetaManagedAgentsSessionEvent) => e.type === 'session.status_idle',
) {
  await client.beta.sessions.events.send(sessionId, {
    events: [{ type: 'user.message', content: [{ type: 'text', text }] }],
  });
  return waitFor(sessionId, until);
}

async function waitFor(sessionId: string, until: (e: BetaManagedAgentsSessionEvent) => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events: BetaManagedAgentsSessionEvent[] = [];
    for await (const event of client.beta.sessions.events.list(sessionId, { limit: 100 })) events.push(event);
    const last = events[events.length - 1];
    if (last && until(last)) return events;
    if (Date.now() > deadline)
      throw new Error(
        `timed out; last events: ${events
          .slice(-5)
          .map((e) => e.type)
          .join(', ')}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const types = (events: BetaManagedAgentsSessionEvent[]) => events.map((event) => event.type);

describe('brain: turns through the official SDK and a scripted model', () => {
  it('runs a plain turn: running, model span, message, idle end_turn, usage on the session', async () => {
    model.enqueue({ content: [{ type: 'text', text: 'Hello there.' }], usage: { inputTokens: 120, outputTokens: 7 } });
    const sessionId = await newSession();
    const events = await turn(sessionId, 'hi');
    expect(types(events)).toEqual([
      'user.message',
      'session.status_running',
      'span.model_request_start',
      'agent.message',
      'span.model_request_end',
      'session.status_idle',
    ]);
    const message = events[3] as Anthropic.Beta.Sessions.BetaManagedAgentsAgentMessageEvent;
    expect(message.content).toEqual([{ type: 'text', text: 'Hello there.' }]);
    const end = events[4] as Anthropic.Beta.Sessions.BetaManagedAgentsSpanModelRequestEndEvent;
    expect(end.model_request_start_id).toBe(events[2]!.id);
    expect(end.is_error).toBe(false);
    expect(end.model_usage).toMatchObject({ input_tokens: 120, output_tokens: 7 });
    expect((events[5] as { stop_reason: unknown }).stop_reason).toEqual({ type: 'end_turn' });
    expect(events[0]!.processed_at).not.toBeNull();
    // Hidden fields never reach the public API.
    expect(JSON.stringify(events)).not.toContain('intake');

    const request = model.requests[model.requests.length - 1]!;
    expect(request.view.system).toBe('You are a test agent.');
    expect(request.view.toolNames).toEqual(expect.arrayContaining(['bash', 'read', 'write', 'edit', 'glob', 'grep']));
    const session = await client.beta.sessions.retrieve(sessionId);
    expect(session.status).toBe('idle');
    expect(session.usage.input_tokens).toBe(120);
    expect(session.usage.output_tokens).toBe(7);
    // claude-sonnet-4-6 list price: $3/M in, $15/M out → 120×3 + 7×15 = 465 millionths of a cent… rounds to 0 cents.
    expect(session.usage.list_cost).toEqual({ amount: '0', currency: 'USD' });
  });

  it('streams event_start/event_delta previews that the SDK accumulator folds into the final message', async () => {
    model.enqueue({ content: [{ type: 'text', text: 'Streaming words arrive one by one.' }], chunkDelayMs: 5 });
    const sessionId = await newSession();
    const stream = await client.beta.sessions.events.stream(sessionId, { event_deltas: ['agent.message'] });
    await client.beta.sessions.events.send(sessionId, {
      events: [{ type: 'user.message', content: [{ type: 'text', text: 'go' }] }],
    });
    let accumulated: ReturnType<typeof accumulateManagedAgentsEvent> = undefined;
    let sawDelta = false;
    let previewText = '';
    for await (const event of stream) {
      if (event.type === 'event_delta') {
        sawDelta = true;
        expect(event.delta.index).toBe(0);
      }
      accumulated = accumulateManagedAgentsEvent(accumulated, event);
      if (event.type === 'event_delta' && accumulated?.content[0]?.type === 'text')
        previewText = accumulated.content[0].text;
      if (event.type === 'session.status_idle') break;
    }
    expect(sawDelta).toBe(true);
    expect(previewText).toBe('Streaming words arrive one by one.');
    expect(accumulated?.content).toEqual([{ type: 'text', text: 'Streaming words arrive one by one.' }]);
    // Previews are never stored.
    const stored = await waitFor(sessionId, (e) => e.type === 'session.status_idle');
    expect(types(stored)).not.toContain('event_delta');
  });

  it('runs the bash tool in the sandbox and feeds the result back, tool_use paired with its result', async () => {
    model.enqueue(
      {
        content: [
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_use', name: 'bash', input: { command: 'echo sandboxed-$((6*7))' } },
        ],
      },
      { content: [{ type: 'text', text: 'It printed 42.' }] },
    );
    const sessionId = await newSession();
    const events = await turn(sessionId, 'run something');
    const use = events.find(
      (e) => e.type === 'agent.tool_use',
    ) as Anthropic.Beta.Sessions.BetaManagedAgentsAgentToolUseEvent;
    const result = events.find(
      (e) => e.type === 'agent.tool_result',
    ) as Anthropic.Beta.Sessions.BetaManagedAgentsAgentToolResultEvent;
    expect(use).toMatchObject({
      name: 'bash',
      input: { command: 'echo sandboxed-$((6*7))' },
      evaluated_permission: 'allow',
      evaluation: { type: 'always_allow' },
    });
    expect(result.tool_use_id).toBe(use.id);
    expect(result.is_error).toBe(false);
    expect(JSON.stringify(result.content)).toContain('sandboxed-42');
    // The model saw the result under the id it was given: the tool_use event id.
    const second = model.requests[model.requests.length - 1]!;
    expect(second.view.last.toolResults).toEqual([expect.objectContaining({ toolUseId: use.id, isError: false })]);
    expect(second.view.last.toolResults[0]!.text).toContain('sandboxed-42');
    expect(types(events).slice(-2)).toEqual(['span.model_request_end', 'session.status_idle']);
  });

  it('pauses on a custom tool with requires_action and resumes with user.custom_tool_result', async () => {
    model.enqueue(
      { content: [{ type: 'tool_use', name: 'lookup_order', input: { order_id: 'A1' } }] },
      { content: [{ type: 'text', text: 'Order A1 shipped.' }] },
    );
    const sessionId = await newSession({
      tools: [
        {
          type: 'custom',
          name: 'lookup_order',
          description: 'Look up an order',
          input_schema: { type: 'object', properties: { order_id: { type: 'string' } } },
        },
      ],
    });
    const paused = await turn(sessionId, 'where is A1?');
    const use = paused.find((e) => e.type === 'agent.custom_tool_use')!;
    expect(paused[paused.length - 1]).toMatchObject({
      type: 'session.status_idle',
      stop_reason: { type: 'requires_action', event_ids: [use.id] },
    });
    await client.beta.sessions.events.send(sessionId, {
      events: [
        { type: 'user.custom_tool_result', custom_tool_use_id: use.id, content: [{ type: 'text', text: 'shipped' }] },
      ],
    });
    const done = await waitFor(
      sessionId,
      (e) =>
        e.type === 'session.status_idle' && (e as { stop_reason: { type: string } }).stop_reason.type === 'end_turn',
    );
    expect(done.some((e) => e.type === 'agent.message')).toBe(true);
    expect(model.requests[model.requests.length - 1]!.view.last.toolResults).toEqual([
      expect.objectContaining({ toolUseId: use.id, text: 'shipped' }),
    ]);
  });

  it('asks before an always_ask tool: allow runs it, deny returns the deny message to the model', async () => {
    const sessionId = await newSession({
      tools: [
        { type: 'agent_toolset_20260401', configs: [{ name: 'bash', permission_policy: { type: 'always_ask' } }] },
      ],
    });
    model.enqueue(
      { content: [{ type: 'tool_use', name: 'bash', input: { command: 'echo allowed' } }] },
      { content: [{ type: 'text', text: 'ran it' }] },
    );
    const paused = await turn(sessionId, 'run it');
    const use = paused.find((e) => e.type === 'agent.tool_use')!;
    expect(use).toMatchObject({ evaluated_permission: 'ask', evaluation: { type: 'always_ask' } });
    expect(paused[paused.length - 1]).toMatchObject({ stop_reason: { type: 'requires_action', event_ids: [use.id] } });
    await client.beta.sessions.events.send(sessionId, {
      events: [{ type: 'user.tool_confirmation', tool_use_id: use.id, result: 'allow' }],
    });
    const allowed = await waitFor(
      sessionId,
      (e) =>
        e.type === 'session.status_idle' && (e as { stop_reason: { type: string } }).stop_reason.type === 'end_turn',
    );
    const result = allowed.find(
      (e) => e.type === 'agent.tool_result' && (e as { tool_use_id: string }).tool_use_id === use.id,
    )!;
    expect(JSON.stringify(result)).toContain('allowed');

    model.enqueue(
      { content: [{ type: 'tool_use', name: 'bash', input: { command: 'rm -rf /tmp/x' } }] },
      { content: [{ type: 'text', text: 'ok, not deleting' }] },
    );
    const paused2 = await turn(sessionId, 'delete it');
    const use2 = paused2.filter((e) => e.type === 'agent.tool_use').pop()!;
    await client.beta.sessions.events.send(sessionId, {
      events: [
        { type: 'user.tool_confirmation', tool_use_id: use2.id, result: 'deny', deny_message: 'Never delete files.' },
      ],
    });
    const denied = await waitFor(
      sessionId,
      (e) =>
        e.type === 'session.status_idle' && (e as { stop_reason: { type: string } }).stop_reason.type === 'end_turn',
    );
    const deniedResult = denied.find(
      (e) => e.type === 'agent.tool_result' && (e as { tool_use_id: string }).tool_use_id === use2.id,
    )!;
    expect(deniedResult).toMatchObject({ is_error: true, content: [{ type: 'text', text: 'Never delete files.' }] });
    expect(model.requests[model.requests.length - 1]!.view.last.toolResults).toEqual([
      expect.objectContaining({
        toolUseId: use2.id,
        isError: true,
        text: expect.stringContaining('Never delete files.'),
      }),
    ]);
  });

  it('retries transient model errors with session.error retrying, then succeeds', async () => {
    model.enqueue(
      { fault: { type: 'http', status: 529, retryAfterMs: 30 } },
      { fault: { type: 'mid_stream_error', afterEvents: 2 } },
      { content: [{ type: 'text', text: 'third time lucky' }] },
    );
    const sessionId = await newSession();
    const events = await turn(sessionId, 'hi');
    const errors = events.filter(
      (e) => e.type === 'session.error',
    ) as Anthropic.Beta.Sessions.BetaManagedAgentsSessionErrorEvent[];
    expect(errors).toHaveLength(2);
    expect(errors[0]!.error).toMatchObject({ type: 'model_overloaded_error', retry_status: { type: 'retrying' } });
    expect(types(events).filter((t) => t === 'session.status_rescheduled')).toHaveLength(2);
    expect(events[events.length - 1]).toMatchObject({ stop_reason: { type: 'end_turn' } });
    const ends = events.filter(
      (e) => e.type === 'span.model_request_end',
    ) as Anthropic.Beta.Sessions.BetaManagedAgentsSpanModelRequestEndEvent[];
    expect(ends.map((end) => end.is_error)).toEqual([true, true, false]);
    expect(events.filter((e) => e.type === 'agent.message')).toHaveLength(1);
  });

  it('gives up after the retry budget with retries_exhausted and an exhausted session.error', async () => {
    const attempts = 6;
    model.enqueue(...Array.from({ length: attempts }, () => ({ fault: { type: 'http' as const, status: 500 } })));
    const sessionId = await newSession();
    const events = await turn(sessionId, 'hi');
    const errors = events.filter(
      (e) => e.type === 'session.error',
    ) as Anthropic.Beta.Sessions.BetaManagedAgentsSessionErrorEvent[];
    expect(errors[errors.length - 1]!.error.retry_status).toEqual({ type: 'exhausted' });
    expect(events[events.length - 1]).toMatchObject({
      type: 'session.status_idle',
      stop_reason: { type: 'retries_exhausted' },
    });
    expect(events.filter((e) => e.type === 'span.model_request_start')).toHaveLength(attempts);
  });

  it('takes a message sent mid-turn into the next model request', async () => {
    model.enqueue(
      { content: [{ type: 'text', text: 'first answer' }], ttftMs: 400 },
      { content: [{ type: 'text', text: 'second answer' }] },
    );
    const sessionId = await newSession();
    await client.beta.sessions.events.send(sessionId, {
      events: [{ type: 'user.message', content: [{ type: 'text', text: 'first' }] }],
    });
    await waitFor(sessionId, (e) => e.type === 'span.model_request_start');
    await client.beta.sessions.events.send(sessionId, {
      events: [{ type: 'user.message', content: [{ type: 'text', text: 'steer: also this' }] }],
    });
    const events = await waitFor(sessionId, (e) => e.type === 'session.status_idle');
    expect(events.filter((e) => e.type === 'agent.message')).toHaveLength(2);
    expect(model.requests[model.requests.length - 1]!.view.last.text).toContain('steer: also this');
    expect(events.filter((e) => e.type === 'user.message').every((e) => e.processed_at !== null)).toBe(true);
  });

  it('interrupts a long model stream within a second and idles', async () => {
    model.enqueue({ content: [{ type: 'text', text: 'x'.repeat(50) }], ttftMs: 10_000 });
    const sessionId = await newSession();
    await client.beta.sessions.events.send(sessionId, {
      events: [{ type: 'user.message', content: [{ type: 'text', text: 'take your time' }] }],
    });
    await waitFor(sessionId, (e) => e.type === 'span.model_request_start');
    const started = Date.now();
    await client.beta.sessions.events.send(sessionId, { events: [{ type: 'user.interrupt' }] });
    const events = await waitFor(sessionId, (e) => e.type === 'session.status_idle', 5_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(events[events.length - 1]).toMatchObject({ stop_reason: { type: 'end_turn' } });
    expect(events.filter((e) => e.type === 'agent.message')).toHaveLength(0);
    model.enqueue({ content: [{ type: 'text', text: 'back' }] });
    const after = await turn(sessionId, 'again');
    expect(after[after.length - 1]).toMatchObject({ stop_reason: { type: 'end_turn' } });
  });

  it('interrupts a running tool within a second', async () => {
    model.enqueue({ content: [{ type: 'tool_use', name: 'bash', input: { command: 'sleep 30' } }] });
    const sessionId = await newSession();
    await client.beta.sessions.events.send(sessionId, {
      events: [{ type: 'user.message', content: [{ type: 'text', text: 'sleep' }] }],
    });
    await waitFor(sessionId, (e) => e.type === 'span.model_request_end');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    await client.beta.sessions.events.send(sessionId, { events: [{ type: 'user.interrupt' }] });
    const events = await waitFor(sessionId, (e) => e.type === 'session.status_idle', 5_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    const use = events.find((e) => e.type === 'agent.tool_use')!;
    expect(
      events.find((e) => e.type === 'agent.tool_result' && (e as { tool_use_id: string }).tool_use_id === use.id),
    ).toMatchObject({ is_error: true });
  });

  it('stops a session at its budget with budget_reached', async () => {
    const agent = await client.beta.agents.create({ name: 'spender', model: 'claude-sonnet-4-6' });
    const environment = await client.beta.environments.create({ name: 'env' });
    const session = await client.beta.sessions.create({
      agent: agent.id,
      environment_id: environment.id,
      budget: { type: 'limit', max_list_cost: { amount: '1', currency: 'USD' } },
    });
    // 10k output tokens at $15/M = 15 cents: over the 1-cent budget after one request.
    model.enqueue({ content: [{ type: 'text', text: 'expensive' }], usage: { inputTokens: 10, outputTokens: 10_000 } });
    await turn(session.id, 'spend');
    const events = await turn(session.id, 'spend more');
    expect(events[events.length - 1]).toMatchObject({
      type: 'session.status_idle',
      stop_reason: { type: 'budget_reached' },
    });
    expect(events.filter((e) => e.type === 'span.model_request_start')).toHaveLength(1);
    const retrieved = await client.beta.sessions.retrieve(session.id);
    expect(retrieved.usage.list_cost).toEqual({ amount: '15', currency: 'USD' });
  });

  it('runs an agent on an OpenAI-compatible provider with tool calls', async () => {
    model.enqueue(
      { content: [{ type: 'tool_use', name: 'bash', input: { command: 'echo via-openai' } }] },
      { content: [{ type: 'text', text: 'done via openai' }] },
    );
    const sessionId = await newSession({ model: 'openai/gpt-test' });
    const events = await turn(sessionId, 'use openai');
    expect(model.requests.slice(-2).every((request) => request.protocol === 'openai')).toBe(true);
    expect(JSON.stringify(events.find((e) => e.type === 'agent.tool_result'))).toContain('via-openai');
    expect(events[events.length - 1]).toMatchObject({ stop_reason: { type: 'end_turn' } });
  });
});
