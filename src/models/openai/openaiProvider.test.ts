import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelError, type ModelProvider, type ModelRequest, type Turn } from '../../core/modelProvider.js';
import { collectEvents } from '../scripted/collectEvents.js';
import { type ScriptedModel, startScriptedModel } from '../scripted/scriptedModelServer.js';
import { createOpenAIProvider } from './openaiProvider.js';

const matching = (pattern: RegExp): unknown => expect.stringMatching(pattern);

let model: ScriptedModel;
let provider: ModelProvider;

beforeEach(async () => {
  model = await startScriptedModel();
  provider = createOpenAIProvider({ env: { OPENAI_BASE_URL: model.openaiBaseURL, OPENAI_API_KEY: 'sk-test' } });
});
afterEach(() => model.close());

const BASH = {
  name: 'bash',
  description: 'Run a command',
  inputSchema: { type: 'object', properties: { command: { type: 'string' } } },
};

function request(messages: Turn[], extra: Partial<ModelRequest> = {}): ModelRequest {
  return { model: 'qwen3', system: 'You are terse.', tools: [BASH], messages, maxOutputTokens: 512, ...extra };
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

describe('openai-compatible provider over openai@6', () => {
  it('streams text and asks for usage in the stream', async () => {
    model.enqueue({ content: [{ type: 'text', text: 'Hello from a local model.' }], splitBytes: 7 });
    const out = await run(request([user('hi')], { cacheKey: 'sesn_1' }));
    expect(out.error).toBeUndefined();
    expect(out.events[0]).toMatchObject({ type: 'response_start', messageId: matching(/^chatcmpl-/) });
    expect(out.blocks).toEqual([{ type: 'text', text: 'Hello from a local model.' }]);
    expect(out.stopReason).toBe('end_turn');
    expect(model.requests[0]?.body).toEqual({
      model: 'qwen3',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'hi' },
      ],
      tools: [
        { type: 'function', function: { name: 'bash', description: 'Run a command', parameters: BASH.inputSchema } },
      ],
      max_completion_tokens: 512,
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('maps reasoning_content and reasoning to thinking blocks without signature', async () => {
    model.enqueue(
      {
        content: [
          { type: 'thinking', thinking: 'Think about it.' },
          { type: 'text', text: 'Answer.' },
        ],
      },
      {
        content: [
          { type: 'thinking', thinking: 'Ollama style.' },
          { type: 'text', text: 'Two.' },
        ],
        openai: { reasoningField: 'reasoning' },
      },
    );
    const first = await run(request([user('q')]));
    expect(first.blocks).toEqual([
      { type: 'thinking', thinking: 'Think about it.' },
      { type: 'text', text: 'Answer.' },
    ]);
    expect(first.events.filter((e) => e.type === 'block_start').map((e) => (e as { kind: string }).kind)).toEqual([
      'thinking',
      'text',
    ]);
    const second = await run(request([user('q')]));
    expect(second.blocks[0]).toEqual({ type: 'thinking', thinking: 'Ollama style.' });
  });

  for (const style of ['fragments', 'whole', 'interleaved'] as const) {
    it(`assembles parallel tool calls sent as ${style}`, async () => {
      model.enqueue({
        content: [
          { type: 'text', text: 'Both.' },
          { type: 'tool_use', id: 'call_a', name: 'bash', input: { command: 'ls -la' } },
          { type: 'tool_use', id: 'call_b', name: 'read', input: { path: 'a/b.txt' } },
        ],
        openai: { toolCalls: style },
      });
      const out = await run(request([user('go')]));
      expect(out.stopReason).toBe('tool_use');
      expect(out.blocks).toEqual([
        { type: 'text', text: 'Both.' },
        { type: 'tool_use', id: 'call_a', name: 'bash', input: { command: 'ls -la' } },
        { type: 'tool_use', id: 'call_b', name: 'read', input: { path: 'a/b.txt' } },
      ]);
      expect(out.events.filter((e) => e.type === 'block_start').map((e) => e.index)).toEqual([0, 1, 2]);
    });
  }

  it('flags malformed tool arguments', async () => {
    model.enqueue({ content: [{ type: 'tool_use', id: 'call_x', name: 'bash', rawInput: '{"command": ' }] });
    const out = await run(request([user('go')]));
    expect(out.blocks[0]).toMatchObject({ id: 'call_x', input: {}, inputError: { raw: '{"command": ' } });
  });

  it('sends history back as tool_calls and tool messages', async () => {
    model.enqueue({ content: [{ type: 'text', text: 'done' }] });
    await run(
      request([
        user('go'),
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'hidden' },
            { type: 'text', text: 'Running.' },
            { type: 'tool_use', id: 'call_a', name: 'bash', input: { command: 'ls' } },
            { type: 'tool_use', id: 'call_b', name: 'bash', input: {}, inputError: { message: 'bad', raw: '{"c' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', toolUseId: 'call_a', content: [{ type: 'text', text: 'a.txt' }], isError: false },
            {
              type: 'tool_result',
              toolUseId: 'call_b',
              content: [{ type: 'text', text: 'invalid JSON' }],
              isError: true,
            },
            { type: 'text', text: 'and then?' },
          ],
        },
      ]),
    );
    expect(model.requests[0]?.body['messages']).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        content: 'Running.',
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'bash', arguments: '{"command":"ls"}' } },
          { id: 'call_b', type: 'function', function: { name: 'bash', arguments: '{"c' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_a', content: 'a.txt' },
      { role: 'tool', tool_call_id: 'call_b', content: 'Error: invalid JSON' },
      { role: 'user', content: 'and then?' },
    ]);
  });

  it('maps finish reasons', async () => {
    model.enqueue(
      { content: [{ type: 'text', text: 'cut' }], stopReason: 'max_tokens' },
      { content: [{ type: 'text', text: 'no' }], stopReason: 'refusal' },
      { content: [{ type: 'tool_use', name: 'bash', input: {} }], stopReason: 'end_turn' },
    );
    expect((await run(request([user('a')]))).stopReason).toBe('max_tokens');
    expect((await run(request([user('a')]))).stopReason).toBe('refusal');
    // A server that says `stop` after tool calls still ended on tool use.
    expect((await run(request([user('a')]))).stopReason).toBe('tool_use');
  });

  it('normalises usage: prompt_tokens includes cached tokens', async () => {
    model.enqueue({
      content: [{ type: 'text', text: 'x' }],
      usage: { inputTokens: 176, cacheReadTokens: 1024, outputTokens: 87, reasoningTokens: 30 },
    });
    const out = await run(request([user('hi')]));
    expect(out.usage).toEqual({ inputTokens: 176, cacheReadTokens: 1024, cacheWriteTokens: 0, outputTokens: 87 });
  });

  it('reports the automatic prefix cache of a growing conversation as cache reads', async () => {
    model.enqueue({ content: [{ type: 'text', text: 'one' }] }, { content: [{ type: 'text', text: 'two' }] });
    const turns = [user('x'.repeat(400))];
    const first = await run(request(turns));
    expect(first.usage?.cacheReadTokens).toBe(0);
    const second = await run(
      request([...turns, { role: 'assistant', content: [{ type: 'text', text: 'one' }] }, user('y')]),
    );
    expect(second.usage?.cacheReadTokens).toBeGreaterThanOrEqual(100);
  });

  it('classifies errors, including quota vs rate limit and context overflow', async () => {
    model.enqueue(
      { fault: { type: 'http', status: 429, retryAfterMs: 700 } },
      {
        fault: {
          type: 'http',
          status: 429,
          code: 'insufficient_quota',
          errorType: 'insufficient_quota',
          message: 'You exceeded your current quota',
        },
      },
      { fault: { type: 'context_overflow' } },
      {
        fault: {
          type: 'http',
          status: 400,
          message: 'the request exceeds the available context size, try increasing it',
        },
      },
      { fault: { type: 'http', status: 503, retryAfter: '1' } },
      { fault: { type: 'http', status: 401 } },
      { fault: { type: 'http', status: 404, message: 'model "nope" not found' } },
    );
    const req = request([user('hi')]);
    expect(await failure(req)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 700, status: 429 });
    expect(await failure(req)).toMatchObject({ kind: 'billing', status: 429 });
    expect(await failure(req)).toMatchObject({ kind: 'context_overflow', status: 400 });
    expect(await failure(req)).toMatchObject({ kind: 'context_overflow' });
    expect(await failure(req)).toMatchObject({ kind: 'server', retryAfterMs: 1000, status: 503 });
    expect(await failure(req)).toMatchObject({ kind: 'auth' });
    expect(await failure(req)).toMatchObject({ kind: 'invalid_request', status: 404 });
    expect(model.requests).toHaveLength(7);
  });

  it('turns a mid-stream error chunk into an overloaded ModelError', async () => {
    model.enqueue({
      content: [{ type: 'text', text: 'partial text here' }],
      fault: { type: 'mid_stream_error', afterEvents: 2 },
    });
    const out = await run(request([user('hi')]));
    expect(out.events.some((e) => e.type === 'text_delta')).toBe(true);
    expect(out.error).toMatchObject({ kind: 'overloaded', status: undefined });
  });

  it('reports a stream cut before finish_reason as a network failure', async () => {
    model.enqueue({ content: [{ type: 'text', text: 'cut here' }], fault: { type: 'disconnect', afterEvents: 2 } });
    expect(await failure(request([user('hi')]))).toMatchObject({ kind: 'network' });
  });

  it('times out a stall within idleTimeoutMs', async () => {
    model.enqueue({ content: [{ type: 'text', text: 'never' }], fault: { type: 'stall', afterEvents: 1 } });
    const started = Date.now();
    expect(await failure(request([user('hi')]), { idleTimeoutMs: 200 })).toMatchObject({ kind: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('aborts on the caller signal', async () => {
    model.enqueue({ content: [{ type: 'text', text: 'slow slow slow slow slow' }], chunkDelayMs: 80 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    expect(await failure(request([user('hi')]), { signal: controller.signal })).toMatchObject({ kind: 'aborted' });
  });

  it('uses max_tokens and prompt_cache_key when configured so', async () => {
    const local = createOpenAIProvider({
      baseURL: model.openaiBaseURL,
      maxTokensField: 'max_tokens',
      sendCacheKey: true,
      env: {},
    });
    model.enqueue({ content: [{ type: 'text', text: 'ok' }] });
    const out = await collectEvents(
      local.stream(request([user('hi')], { cacheKey: 'sesn_1' }), {
        signal: new AbortController().signal,
        idleTimeoutMs: 5000,
      }),
    );
    expect(out.error).toBeUndefined();
    expect(model.requests[0]?.body).toMatchObject({ max_tokens: 512, prompt_cache_key: 'sesn_1' });
    expect(model.requests[0]?.body['max_completion_tokens']).toBeUndefined();
    expect(model.requests[0]?.headers['authorization']).toBe('Bearer bosun-no-key');
  });
});
