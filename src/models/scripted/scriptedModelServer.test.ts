import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelProvider, ModelRequest, Turn } from '../../core/modelProvider.js';
import { createAnthropicProvider } from '../anthropic/anthropicProvider.js';
import { createOpenAIProvider } from '../openai/openaiProvider.js';
import { collectEvents } from './collectEvents.js';
import { DEMO_COMMAND, demoResponder } from './demoScript.js';
import { type ScriptedModel, type ScriptedModelOptions, startScriptedModel } from './scriptedModelServer.js';

const containing = (text: string): unknown => expect.stringContaining(text);
const anyNumber: unknown = expect.any(Number);

let model: ScriptedModel | undefined;
afterEach(() => model?.close());

async function start(options: ScriptedModelOptions = {}): Promise<ScriptedModel> {
  model = await startScriptedModel(options);
  return model;
}

const control = () => ({ signal: new AbortController().signal, idleTimeoutMs: 5000 });
const BASH = { name: 'bash', description: 'Run a shell command', inputSchema: { type: 'object' } };

describe('scripted model server', () => {
  it('listens on 127.0.0.1 only', async () => {
    const m = await start();
    expect(m.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(m.openaiBaseURL).toBe(`${m.url}/v1`);
  });

  it('pins the Anthropic SSE framing: named events, message_start first, message_stop last', async () => {
    const m = await start({ script: [{ content: [{ type: 'text', text: 'hi' }] }] });
    const res = await fetch(`${m.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'claude-x',
        max_tokens: 10,
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const text = await res.text();
    const names = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(names).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(
      text
        .split('\n\n')
        .filter(Boolean)
        .every((event) => /^event: \w+\ndata: \{.*\}$/.test(event)),
    ).toBe(true);
  });

  it('pins the OpenAI framing: data-only chunks, role first, usage chunk, [DONE]', async () => {
    const m = await start({ script: [{ content: [{ type: 'text', text: 'hi' }] }] });
    const res = await fetch(`${m.openaiBaseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'm',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    const events = (await res.text()).split('\n\n').filter(Boolean);
    expect(events.every((e) => e.startsWith('data: '))).toBe(true);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events
      .slice(0, -1)
      .map(
        (e) => JSON.parse(e.slice(6)) as { choices: { delta: object; finish_reason: string | null }[]; usage?: object },
      );
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: anyNumber } });
  });

  it("satisfies the SDKs' own accumulators and non-streaming parsers", async () => {
    const reply = {
      content: [
        { type: 'thinking' as const, thinking: 'hmm', signature: 'sig-1' },
        { type: 'text' as const, text: 'Calling.' },
        { type: 'tool_use' as const, id: 'toolu_1', name: 'bash', input: { command: 'ls' } },
      ],
    };
    const m = await start({ respond: () => reply });
    const anthropic = new Anthropic({ baseURL: m.url, apiKey: 'k', maxRetries: 0 });
    const params = {
      model: 'claude-sonnet-4-6',
      max_tokens: 100,
      messages: [{ role: 'user' as const, content: 'go' }],
    };
    const streamed = await anthropic.messages.stream(params).finalMessage();
    const plain = await anthropic.messages.create(params);
    for (const message of [streamed, plain]) {
      expect(message.stop_reason).toBe('tool_use');
      expect(message.content).toMatchObject([
        { type: 'thinking', thinking: 'hmm', signature: 'sig-1' },
        { type: 'text', text: 'Calling.' },
        { type: 'tool_use', id: 'toolu_1', name: 'bash', input: { command: 'ls' } },
      ]);
    }
    const openai = new OpenAI({ baseURL: m.openaiBaseURL, apiKey: 'k', maxRetries: 0 });
    const chat = { model: 'm', messages: [{ role: 'user' as const, content: 'go' }] };
    const completion = await openai.chat.completions.stream(chat).finalChatCompletion();
    const nonStreamed = await openai.chat.completions.create(chat);
    for (const c of [completion, nonStreamed]) {
      expect(c.choices[0]?.finish_reason).toBe('tool_calls');
      expect(c.choices[0]?.message.tool_calls?.[0]).toMatchObject({
        id: 'toolu_1',
        function: { name: 'bash', arguments: '{"command":"ls"}' },
      });
    }
    expect((await anthropic.messages.countTokens(params)).input_tokens).toBeGreaterThan(0);
  });

  it('rejects histories a real API rejects, unless strict is off', async () => {
    const m = await start({ respond: () => ({ content: [{ type: 'text', text: 'ok' }] }) });
    const provider = createAnthropicProvider({ baseURL: m.url, apiKey: 'k' });
    const base: ModelRequest = {
      model: 'claude-sonnet-4-6',
      system: null,
      tools: [BASH],
      messages: [],
      maxOutputTokens: 10,
    };
    const user = (text: string): Turn => ({ role: 'user', content: [{ type: 'text', text }] });
    const unanswered = await collectEvents(
      provider.stream(
        {
          ...base,
          messages: [
            user('a'),
            { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'bash', input: {} }] },
            user('b'),
          ],
        },
        control(),
      ),
    );
    expect(unanswered.error).toMatchObject({ kind: 'invalid_request', message: containing('t1') });
    const forged = await collectEvents(
      provider.stream(
        {
          ...base,
          messages: [
            user('a'),
            {
              role: 'assistant',
              content: [
                { type: 'thinking', thinking: 'x', signature: 'forged' },
                { type: 'text', text: 'y' },
              ],
            },
            user('b'),
          ],
        },
        control(),
      ),
    );
    expect(forged.error).toMatchObject({ kind: 'invalid_request', message: containing('signature') });
    const stray = await collectEvents(
      provider.stream(
        {
          ...base,
          messages: [
            { role: 'user', content: [{ type: 'tool_result', toolUseId: 'nope', content: [], isError: false }] },
          ],
        },
        control(),
      ),
    );
    expect(stray.error).toMatchObject({ kind: 'invalid_request' });

    await m.close();
    const lax = await start({ strict: false, respond: () => ({ content: [{ type: 'text', text: 'ok' }] }) });
    const laxProvider = createAnthropicProvider({ baseURL: lax.url, apiKey: 'k' });
    const accepted = await collectEvents(
      laxProvider.stream(
        {
          ...base,
          messages: [
            user('a'),
            { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'bash', input: {} }] },
            user('b'),
          ],
        },
        control(),
      ),
    );
    expect(accepted.error).toBeUndefined();
  });

  it('answers 500 when nothing is scripted, and serves the queue before the responder', async () => {
    const m = await start({ script: [{ content: [{ type: 'text', text: 'queued' }] }] });
    const provider = createAnthropicProvider({ baseURL: m.url, apiKey: 'k' });
    const req: ModelRequest = {
      model: 'claude-sonnet-4-6',
      system: null,
      tools: [],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'q' }] }],
      maxOutputTokens: 5,
    };
    expect((await collectEvents(provider.stream(req, control()))).blocks).toEqual([{ type: 'text', text: 'queued' }]);
    expect(m.pending).toBe(0);
    const empty = await collectEvents(provider.stream(req, control()));
    expect(empty.error).toMatchObject({ kind: 'server', message: containing('no response scripted') });
  });

  for (const protocol of ['anthropic', 'openai'] as const) {
    it(`plays the offline demo over ${protocol}: a bash call, then a summary of its result`, async () => {
      const m = await start({ respond: demoResponder });
      const provider: ModelProvider =
        protocol === 'anthropic'
          ? createAnthropicProvider({ baseURL: m.url, apiKey: 'k' })
          : createOpenAIProvider({ baseURL: m.openaiBaseURL, apiKeyEnv: null });
      const messages: Turn[] = [{ role: 'user', content: [{ type: 'text', text: 'Where are you running?' }] }];
      const req = (): ModelRequest => ({
        model: 'demo',
        system: 'You are a demo.',
        tools: [BASH],
        messages,
        maxOutputTokens: 200,
      });

      const first = await collectEvents(provider.stream(req(), control()));
      expect(first.stopReason).toBe('tool_use');
      const call = first.blocks.find((b) => b.type === 'tool_use');
      expect(call).toMatchObject({ name: 'bash', input: { command: DEMO_COMMAND } });
      if (call?.type !== 'tool_use') throw new Error('no tool call');

      messages.push(
        { role: 'assistant', content: first.blocks },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              toolUseId: call.id,
              content: [{ type: 'text', text: 'hello from Linux\n' }],
              isError: false,
            },
          ],
        },
      );
      const second = await collectEvents(provider.stream(req(), control()));
      expect(second.error).toBeUndefined();
      expect(second.stopReason).toBe('end_turn');
      expect(second.blocks).toEqual([{ type: 'text', text: 'The command ran and printed: hello from Linux' }]);
    });
  }

  it('answers without a tool call when the agent has no bash tool', async () => {
    const m = await start({ respond: demoResponder });
    const provider = createAnthropicProvider({ baseURL: m.url, apiKey: 'k' });
    const out = await collectEvents(
      provider.stream(
        {
          model: 'demo',
          system: null,
          tools: [],
          messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }],
          maxOutputTokens: 50,
        },
        control(),
      ),
    );
    expect(out.blocks[0]).toMatchObject({ type: 'text', text: containing('you said: "hello"') });
  });
});
