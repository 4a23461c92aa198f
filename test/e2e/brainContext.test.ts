import type Anthropic from '@anthropic-ai/sdk';
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
afterEach(() => expect(model.pending).toBe(0));

async function session() {
  const agent = await client.beta.agents.create({
    name: 'long',
    model: 'claude-sonnet-4-6',
    system: 'sys',
    tools: [{ type: 'agent_toolset_20260401' }],
  });
  const environment = await client.beta.environments.create({ name: 'env' });
  return (await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id })).id;
}

async function untilIdle(sessionId: string) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const events: BetaManagedAgentsSessionEvent[] = [];
    for await (const event of client.beta.sessions.events.list(sessionId, { limit: 100 })) events.push(event);
    const last = events[events.length - 1] as { type: string; stop_reason?: { type: string } } | undefined;
    if (last?.type === 'session.status_idle' && last.stop_reason?.type !== 'requires_action') return events;
    if (Date.now() > deadline) throw new Error(`timed out: ${events.map((e) => e.type).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('brain: context engineering', () => {
  it('compacts near the context window with a summary and keeps the last tool call with its result', async () => {
    const sessionId = await session();
    model.enqueue(
      {
        content: [
          { type: 'text', text: 'Reading the big file.' },
          { type: 'tool_use', name: 'bash', input: { command: 'echo big' } },
        ],
        usage: { inputTokens: 170_000 },
      },
      { content: [{ type: 'text', text: 'SUMMARY: the user asked to read a big file; it printed big.' }] },
      { content: [{ type: 'text', text: 'Done, continuing from the summary.' }] },
    );
    await client.beta.sessions.events.send(sessionId, {
      events: [{ type: 'user.message', content: [{ type: 'text', text: 'read it' }] }],
    });
    const events = await untilIdle(sessionId);
    expect(events.map((e) => e.type)).toContain('agent.thread_context_compacted');
    const compacted = events.find((e) => e.type === 'agent.thread_context_compacted')!;
    expect(Object.keys(compacted).sort()).toEqual(['id', 'processed_at', 'type']);

    const [, summaryCall, next] = model.requests.slice(-3);
    expect(summaryCall!.view.last.text).toContain('Write a summary');
    const messages = next!.body['messages'] as Array<{ role: string; content: unknown }>;
    expect(JSON.stringify(messages[0])).toContain('SUMMARY: the user asked to read a big file');
    // The kept tail: the assistant's tool call and, after it, its result.
    expect(messages[1]!.role).toBe('assistant');
    expect(JSON.stringify(messages[1])).toContain('tool_use');
    expect(JSON.stringify(messages[2])).toContain('tool_result');
    expect(JSON.stringify(messages)).not.toContain('"read it"');
    const ends = events.filter((e) => e.type === 'span.model_request_end');
    expect(ends).toHaveLength(3);
  });

  it('ends with compaction_limit_reached_error when compaction keeps failing to make room', async () => {
    const sessionId = await session();
    model.enqueue(...Array.from({ length: 4 }, () => ({ fault: { type: 'context_overflow' as const } })));
    await client.beta.sessions.events.send(sessionId, {
      events: [{ type: 'user.message', content: [{ type: 'text', text: 'too big' }] }],
    });
    const events = await untilIdle(sessionId);
    const error = events.find(
      (e) => e.type === 'session.error',
    ) as Anthropic.Beta.Sessions.BetaManagedAgentsSessionErrorEvent;
    expect(error.error).toMatchObject({ type: 'compaction_limit_reached_error', retry_status: { type: 'exhausted' } });
    expect(events[events.length - 1]).toMatchObject({ stop_reason: { type: 'retries_exhausted' } });
    expect(events.filter((e) => e.type === 'agent.thread_context_compacted')).toHaveLength(3);
  });

  it('marks a byte-stable cached prefix: the second request reads the first one from the cache', async () => {
    const sessionId = await session();
    model.enqueue({ content: [{ type: 'text', text: 'one' }] }, { content: [{ type: 'text', text: 'two' }] });
    await client.beta.sessions.events.send(sessionId, {
      events: [{ type: 'user.message', content: [{ type: 'text', text: 'first' }] }],
    });
    await untilIdle(sessionId);
    await client.beta.sessions.events.send(sessionId, {
      events: [{ type: 'user.message', content: [{ type: 'text', text: 'second' }] }],
    });
    const events = await untilIdle(sessionId);
    const [first, second] = model.requests.slice(-2);
    const prefix = (raw: string) => raw.slice(0, raw.indexOf('"messages"'));
    expect(prefix(second!.rawBody)).toBe(prefix(first!.rawBody));
    const ends = events.filter(
      (e) => e.type === 'span.model_request_end',
    ) as Anthropic.Beta.Sessions.BetaManagedAgentsSpanModelRequestEndEvent[];
    expect(ends[1]!.model_usage.cache_read_input_tokens).toBeGreaterThan(0);
  });
});
