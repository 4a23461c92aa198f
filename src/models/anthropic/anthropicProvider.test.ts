import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelError, type ModelProvider, type ModelRequest, type Turn } from '../../core/modelProvider.js';
import { collectEvents } from '../scripted/collectEvents.js';
import { type ScriptedModel, startScriptedModel } from '../scripted/scriptedModelServer.js';
import { createAnthropicProvider } from './anthropicProvider.js';

const matching = (pattern: RegExp): unknown => expect.stringMatching(pattern);
const containing = (text: string): unknown => expect.stringContaining(text);

let model: ScriptedModel;
let provider: ModelProvider;

beforeEach(async () => {
  model = await startScriptedModel();
  provider = createAnthropicProvider({ env: { ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: 'sk-test' } });
});
afterEach(() => model.close());

const BASH = {
  name: 'bash',
  description: 'Run a command',
  inputSchema: { type: 'object', properties: { command: { type: 'string' } } },
};

function request(messages: Turn[], extra: Partial<ModelRequest> = {}): ModelRequest {
  return {
    model: 'claude-sonnet-4-6',
    system: 'You are terse.',
    tools: [BASH],
    messages,
    maxOutputTokens: 1024,
    ...extra,
  };
}
const user = (text: string): Turn => ({ role: 'user', content: [{ type: 'text', text }] });
const run = (req: ModelRequest, control: { signal?: AbortSignal; idleTimeoutMs?: number } = {}) =>
  collectEvents(
    provider.stream(req, {
      signal: control.signal ?? new AbortController().signal,
      idleTimeoutMs: control.idleTimeoutMs ?? 5000,
    }),
  );

async function failure(
  req: ModelRequest,
  control: { signal?: AbortSignal; idleTimeoutMs?: number } = {},
): Promise<ModelError> {
  const { error } = await run(req, control);
  expect(error).toBeInstanceOf(ModelError);
  return error as ModelError;
}

describe('anthropic provider over @anthropic-ai/sdk', () => {
  it('streams text as block events and ends with the stop reason and usage', async () => {
    model.enqueue({
      content: [{ type: 'text', text: 'Hello there, this is a longer reply.' }],
      usage: { outputTokens: 9 },
    });
    const out = await run(request([user('hi')]));
    expect(out.error).toBeUndefined();
    expect(out.events[0]).toMatchObject({ type: 'response_start', requestId: matching(/^req_/) });
    expect(out.events[1]).toEqual({ type: 'block_start', index: 0, kind: 'text' });
    const deltas = out.events.flatMap((e) => (e.type === 'text_delta' ? [e.text] : []));
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('Hello there, this is a longer reply.');
    expect(out.blocks).toEqual([{ type: 'text', text: 'Hello there, this is a longer reply.' }]);
    expect(out.stopReason).toBe('end_turn');
    expect(out.usage?.outputTokens).toBe(9);

    const sent = model.requests[0];
    expect(sent?.headers['anthropic-version']).toBeDefined();
    expect(sent?.body).toMatchObject({
      model: 'claude-sonnet-4-6',
      max_tokens: 1024,
      stream: true,
      system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
      tools: [{ name: 'bash', description: 'Run a command', input_schema: BASH.inputSchema }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] }],
    });
  });

  it('survives writes split at odd byte boundaries, inside UTF-8 sequences', async () => {
    const text = 'Grüße — 日本語 and emoji 🚀🚀 done.';
    model.enqueue({
      content: [
        { type: 'thinking', thinking: 'déjà vu 🤔' },
        { type: 'text', text },
      ],
      splitBytes: 5,
    });
    const out = await run(request([user('hi')]));
    expect(out.blocks[0]).toMatchObject({ type: 'thinking', thinking: 'déjà vu 🤔' });
    expect(out.blocks[1]).toEqual({ type: 'text', text });
  });

  it('keeps thinking text and signature and sends them back verbatim', async () => {
    model.enqueue(
      {
        content: [
          { type: 'thinking', thinking: 'List the files first.', signature: 'EqQBsig-0001' },
          { type: 'redacted_thinking', data: 'opaque-redacted' },
          { type: 'tool_use', id: 'toolu_01', name: 'bash', input: { command: 'ls -la' } },
        ],
      },
      { content: [{ type: 'text', text: 'Two files.' }] },
    );
    const first = await run(request([user('list')], { thinking: { type: 'adaptive' }, effort: 'medium' }));
    expect(first.blocks).toEqual([
      { type: 'thinking', thinking: 'List the files first.', signature: 'EqQBsig-0001' },
      { type: 'redacted_thinking', data: 'opaque-redacted' },
      { type: 'tool_use', id: 'toolu_01', name: 'bash', input: { command: 'ls -la' } },
    ]);
    expect(first.stopReason).toBe('tool_use');
    expect(
      first.events
        .filter((e) => e.type === 'thinking_delta')
        .map((e) => (e as { text: string }).text)
        .join(''),
    ).toBe('List the files first.');

    const second = await run(
      request(
        [
          user('list'),
          { role: 'assistant', content: first.blocks },
          {
            role: 'user',
            content: [
              { type: 'tool_result', toolUseId: 'toolu_01', content: [{ type: 'text', text: 'a b' }], isError: false },
            ],
          },
        ],
        { thinking: { type: 'adaptive' }, effort: 'medium' },
      ),
    );
    expect(second.error).toBeUndefined();
    expect(second.blocks).toEqual([{ type: 'text', text: 'Two files.' }]);
    const body = model.requests[1]?.body;
    expect(body).toMatchObject({ thinking: { type: 'adaptive' }, output_config: { effort: 'medium' } });
    expect(body?.['messages']).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'list', cache_control: { type: 'ephemeral' } }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'List the files first.', signature: 'EqQBsig-0001' },
          { type: 'redacted_thinking', data: 'opaque-redacted' },
          { type: 'tool_use', id: 'toolu_01', name: 'bash', input: { command: 'ls -la' } },
        ],
      },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: 'toolu_01',
            content: [{ type: 'text', text: 'a b' }],
            cache_control: { type: 'ephemeral' },
          },
        ],
      },
    ]);
  });

  it('drops unsigned thinking (from another provider) when replaying', async () => {
    model.enqueue({ content: [{ type: 'text', text: 'ok' }] });
    await run(
      request([
        user('q'),
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'local reasoning' },
            { type: 'text', text: 'a' },
          ],
        },
        user('more'),
      ]),
    );
    expect(model.requests[0]?.body['messages']).toMatchObject([
      { role: 'user' },
      { role: 'assistant', content: [{ type: 'text', text: 'a' }] },
      { role: 'user' },
    ]);
  });

  it('delivers parallel tool calls as separate tool_use blocks', async () => {
    model.enqueue({
      content: [
        { type: 'text', text: 'Running both.' },
        { type: 'tool_use', id: 'toolu_a', name: 'bash', input: { command: 'ls' } },
        { type: 'tool_use', id: 'toolu_b', name: 'bash', input: { command: 'pwd', nested: { deep: [1, 2, '"q"'] } } },
      ],
    });
    const out = await run(request([user('go')]));
    expect(out.stopReason).toBe('tool_use');
    expect(out.blocks.slice(1)).toEqual([
      { type: 'tool_use', id: 'toolu_a', name: 'bash', input: { command: 'ls' } },
      { type: 'tool_use', id: 'toolu_b', name: 'bash', input: { command: 'pwd', nested: { deep: [1, 2, '"q"'] } } },
    ]);
    expect(out.events.filter((e) => e.type === 'block_start' && e.kind === 'tool_use')).toEqual([
      { type: 'block_start', index: 1, kind: 'tool_use', toolUseId: 'toolu_a', toolName: 'bash' },
      { type: 'block_start', index: 2, kind: 'tool_use', toolUseId: 'toolu_b', toolName: 'bash' },
    ]);
  });

  it('flags malformed tool input instead of turning it into {}', async () => {
    model.enqueue({
      content: [
        { type: 'tool_use', id: 'toolu_bad', name: 'bash', rawInput: '{"command": "ls' },
        { type: 'tool_use', id: 'toolu_arr', name: 'bash', rawInput: '[1,2]' },
      ],
    });
    const out = await run(request([user('go')]));
    expect(out.blocks[0]).toMatchObject({
      type: 'tool_use',
      id: 'toolu_bad',
      input: {},
      inputError: { raw: '{"command": "ls', message: containing('not valid JSON') },
    });
    expect(out.blocks[1]).toMatchObject({ inputError: { raw: '[1,2]', message: containing('an array') } });
  });

  it('normalises usage: uncached input, cache read and cache write', async () => {
    model.enqueue({
      content: [{ type: 'text', text: 'x' }],
      usage: { inputTokens: 12, cacheReadTokens: 1024, cacheWriteTokens: 300, outputTokens: 40 },
    });
    const out = await run(request([user('hi')]));
    expect(out.usage).toEqual({ inputTokens: 12, cacheReadTokens: 1024, cacheWriteTokens: 300, outputTokens: 40 });
  });

  it('places breakpoints so the next step reads what this step wrote (simulated cache)', async () => {
    model.enqueue({ content: [{ type: 'text', text: 'first' }] }, { content: [{ type: 'text', text: 'second' }] });
    const turns = [user('a fairly long first question '.repeat(20))];
    const first = await run(request(turns));
    expect(first.usage?.cacheReadTokens).toBe(0);
    const written = first.usage?.cacheWriteTokens ?? 0;
    expect(written).toBeGreaterThan(100);

    const second = await run(
      request([...turns, { role: 'assistant', content: [{ type: 'text', text: 'first' }] }, user('next')]),
    );
    expect(second.usage?.cacheReadTokens).toBe(written);
    expect(second.usage?.cacheWriteTokens).toBeGreaterThan(0);
    const secondBody = model.requests[1]?.body;
    // Breakpoints: system, the previous user turn, the last user turn.
    expect(JSON.stringify(secondBody).match(/cache_control/g)).toHaveLength(3);
  });

  it('sends byte-identical requests for equal input', async () => {
    model.enqueue({ content: [{ type: 'text', text: 'a' }] }, { content: [{ type: 'text', text: 'b' }] });
    await run(request([user('same')]));
    await run(request([user('same')]));
    expect(model.requests[0]?.rawBody).toBe(model.requests[1]?.rawBody);
  });

  it('honours explicit cache marks and keeps to four breakpoints, latest first', async () => {
    model.enqueue({ content: [{ type: 'text', text: 'ok' }] });
    const marked = (text: string): Turn => ({ role: 'user', content: [{ type: 'text', text, cache: true }] });
    const reply: Turn = { role: 'assistant', content: [{ type: 'text', text: 'r' }] };
    await run(request([marked('m1'), reply, marked('m2'), reply, marked('m3'), reply, user('last')]));
    const messages = model.requests[0]?.body['messages'] as { content: { text: string; cache_control?: unknown }[] }[];
    const cached = messages.flatMap((m) => m.content.filter((b) => b.cache_control).map((b) => b.text));
    expect(cached).toEqual(['m2', 'm3', 'last']);
  });

  it('classifies HTTP errors and reads retry-after headers', async () => {
    const date = new Date(Date.now() + 30_000).toUTCString();
    model.enqueue(
      { fault: { type: 'http', status: 429, retryAfterMs: 1500 } },
      { fault: { type: 'http', status: 529, retryAfter: '2' } },
      { fault: { type: 'http', status: 500 } },
      { fault: { type: 'http', status: 401 } },
      { fault: { type: 'context_overflow' } },
      { fault: { type: 'http', status: 400, message: 'messages: text content blocks must be non-empty' } },
      { fault: { type: 'http', status: 400, message: 'Your credit balance is too low to access the Anthropic API.' } },
      { fault: { type: 'http', status: 503, retryAfter: date } },
    );
    const req = request([user('hi')]);
    const rateLimited = await failure(req);
    expect(rateLimited).toMatchObject({ kind: 'rate_limited', retryAfterMs: 1500, status: 429 });
    expect(rateLimited.requestId).toMatch(/^req_/);
    expect(await failure(req)).toMatchObject({ kind: 'overloaded', retryAfterMs: 2000, status: 529 });
    expect(await failure(req)).toMatchObject({ kind: 'server', status: 500 });
    expect(await failure(req)).toMatchObject({ kind: 'auth', status: 401 });
    const overflow = await failure(req);
    expect(overflow).toMatchObject({ kind: 'context_overflow', status: 400 });
    expect(overflow.message).toContain('prompt is too long');
    expect(await failure(req)).toMatchObject({ kind: 'invalid_request', retryAfterMs: undefined });
    expect(await failure(req)).toMatchObject({ kind: 'billing' });
    const unavailable = await failure(req);
    expect(unavailable.kind).toBe('server');
    expect(unavailable.retryAfterMs).toBeGreaterThan(25_000);
    expect(unavailable.retryAfterMs).toBeLessThanOrEqual(30_000);
    // One request per attempt: the SDK's own retries are off.
    expect(model.requests).toHaveLength(8);
  });

  it('turns an overloaded error event mid-stream into an overloaded ModelError', async () => {
    model.enqueue({
      content: [{ type: 'text', text: 'partial answer that will be cut' }],
      fault: { type: 'mid_stream_error', afterEvents: 4 },
    });
    const out = await run(request([user('hi')]));
    expect(out.events.some((e) => e.type === 'text_delta')).toBe(true);
    expect(out.events.some((e) => e.type === 'response_stop')).toBe(false);
    expect(out.error).toMatchObject({ kind: 'overloaded', status: undefined });
  });

  it('reports a stream that ends without message_stop as a network failure', async () => {
    model.enqueue(
      { content: [{ type: 'text', text: 'cut' }], fault: { type: 'disconnect', afterEvents: 3 } },
      { content: [{ type: 'text', text: 'cut' }], fault: { type: 'disconnect', afterEvents: 3, abrupt: true } },
    );
    expect(await failure(request([user('hi')]))).toMatchObject({ kind: 'network' });
    expect(await failure(request([user('hi')]))).toMatchObject({ kind: 'network' });
  });

  it('times out a stalled stream within idleTimeoutMs', async () => {
    model.enqueue(
      { content: [{ type: 'text', text: 'never' }], fault: { type: 'stall' } },
      { content: [{ type: 'text', text: 'never' }], fault: { type: 'stall', afterEvents: 3 } },
    );
    for (const _ of [0, 1]) {
      const started = Date.now();
      const error = await failure(request([user('hi')]), { idleTimeoutMs: 200 });
      expect(error.kind).toBe('timeout');
      expect(Date.now() - started).toBeLessThan(1500);
    }
  });

  it('measures idleness between events, not over the whole response', async () => {
    model.enqueue({
      content: [{ type: 'text', text: 'slow but steady stream of text' }],
      ttftMs: 120,
      chunkDelayMs: 60,
    });
    const out = await run(request([user('hi')]), { idleTimeoutMs: 400 });
    expect(out.error).toBeUndefined();
    expect(out.stopReason).toBe('end_turn');
  });

  it('stops with an aborted ModelError when the caller aborts mid-stream or before', async () => {
    model.enqueue({ content: [{ type: 'text', text: 'a long and slow answer' }], chunkDelayMs: 100 });
    const controller = new AbortController();
    const events: string[] = [];
    let caught: unknown;
    try {
      for await (const event of provider.stream(request([user('hi')]), {
        signal: controller.signal,
        idleTimeoutMs: 5000,
      })) {
        events.push(event.type);
        if (event.type === 'text_delta') controller.abort();
      }
    } catch (error) {
      caught = error;
    }
    expect(events).toContain('text_delta');
    expect(caught).toMatchObject({ kind: 'aborted' });

    const before = new AbortController();
    before.abort();
    expect(await failure(request([user('hi')]), { signal: before.signal })).toMatchObject({ kind: 'aborted' });
  });

  it('counts tokens through count_tokens', async () => {
    const count = await provider.countTokens?.(request([user('count me')]), { signal: new AbortController().signal });
    expect(count).toBeGreaterThan(0);
    expect(model.requests[0]?.path).toBe('/v1/messages/count_tokens');
    expect(model.requests[0]?.body['max_tokens']).toBeUndefined();
  });

  it('reports a missing API key as auth without calling anyone', async () => {
    const keyless = createAnthropicProvider({ env: {} });
    const { error } = await collectEvents(
      keyless.stream(request([user('hi')]), { signal: new AbortController().signal, idleTimeoutMs: 1000 }),
    );
    expect(error).toMatchObject({ kind: 'auth', message: containing('ANTHROPIC_API_KEY') });
  });
});
