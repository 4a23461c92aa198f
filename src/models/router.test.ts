import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelError, type ModelRequest } from '../core/modelProvider.js';
import { CLAUDE_CATALOGUE } from './catalogue.js';
import { parseModelConfig } from './modelConfig.js';
import { createModelRouter } from './router.js';
import { collectEvents } from './scripted/collectEvents.js';
import { type ScriptedModel, startScriptedModel } from './scripted/scriptedModelServer.js';
import { UnknownModelError } from './unknownModel.js';

const containing = (text: string): unknown => expect.stringContaining(text);

let model: ScriptedModel;
beforeEach(async () => {
  model = await startScriptedModel({ respond: () => ({ content: [{ type: 'text', text: 'routed' }] }) });
});
afterEach(() => model.close());

const ask = (id: string): ModelRequest => ({
  model: id,
  system: null,
  tools: [],
  messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
  maxOutputTokens: 100,
});
const control = () => ({ signal: new AbortController().signal, idleTimeoutMs: 5000 });

describe('model router', () => {
  it('resolves catalogue Claude ids, their dated aliases and anthropic/ prefixes', () => {
    const router = createModelRouter({ env: {} });
    expect(router.profileFor('claude-sonnet-4-6')).toMatchObject({
      contextWindow: 200_000,
      pricing: { input: 300, output: 1500 },
    });
    expect(router.profileFor('claude-haiku-4-5-20251001')).toEqual(router.profileFor('claude-haiku-4-5'));
    expect(router.route('anthropic/claude-opus-4-6')).toMatchObject({
      provider: 'anthropic',
      model: 'claude-opus-4-6',
    });
    expect(router.isBudgetable('claude-opus-4-6')).toBe(true);
    expect(router.isKnownModel('claude-opus-5')).toBe(true);
    expect(router.isBudgetable('claude-opus-5')).toBe(false);
    for (const [id, entry] of Object.entries(CLAUDE_CATALOGUE)) {
      expect(entry.contextWindow, id).toBeGreaterThan(0);
      if (entry.pricing) expect(entry.pricing.cacheRead, id).toBeLessThan(entry.pricing.input);
    }
  });

  it('rejects unknown ids with a message that says what to do', () => {
    const router = createModelRouter({ env: {} });
    for (const id of ['claude-nonexistent-9', 'gpt-5', 'ollama/qwen3', 'openai/', 'toString', 'claude-constructor']) {
      expect(router.isKnownModel(id), id).toBe(false);
      expect(() => router.profileFor(id)).toThrow(UnknownModelError);
    }
    expect(() => router.profileFor('ollama/qwen3')).toThrow('no provider "ollama": add it under providers');
    const error = (() => {
      try {
        router.profileFor('gpt-5');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ kind: 'invalid_request', modelId: 'gpt-5' });
  });

  it('accepts any openai/<model> with the default profile, and config-listed models only for listing providers', () => {
    const config = parseModelConfig(
      {
        providers: {
          ollama: {
            type: 'openai',
            base_url: 'http://127.0.0.1:11434/v1',
            models: { qwen3: { context_window: 40960, max_output_tokens: 8192 } },
          },
          vllm: { type: 'openai', base_url: 'http://127.0.0.1:8000/v1' },
        },
        models: {
          'claude-sonnet-4-6': { pricing: { input: 1, output: 2 } },
          'claude-next-1': { context_window: 9, max_output_tokens: 3 },
        },
      },
      'cfg.yaml',
    );
    const router = createModelRouter({ config, env: {} });
    expect(router.profileFor('openai/gpt-5')).toEqual({ contextWindow: 128_000, maxOutputTokens: 16_384 });
    expect(router.isBudgetable('openai/gpt-5')).toBe(false);
    expect(router.profileFor('ollama/qwen3')).toEqual({ contextWindow: 40960, maxOutputTokens: 8192 });
    expect(() => router.profileFor('ollama/llama3')).toThrow(/lists its models in cfg\.yaml/);
    expect(router.route('vllm/meta-llama/Llama-3-8B')).toMatchObject({
      provider: 'vllm',
      model: 'meta-llama/Llama-3-8B',
    });
    expect(router.profileFor('claude-sonnet-4-6').pricing).toEqual({
      input: 100,
      output: 200,
      cacheRead: 100,
      cacheWrite: 100,
    });
    expect(router.profileFor('claude-sonnet-4-6').contextWindow).toBe(200_000);
    expect(router.profileFor('claude-next-1')).toEqual({ contextWindow: 9, maxOutputTokens: 3 });
  });

  it('streams claude-* through Anthropic and openai/* through OpenAI, from the environment', async () => {
    const router = createModelRouter({
      env: {
        ANTHROPIC_BASE_URL: model.url,
        ANTHROPIC_API_KEY: 'a',
        OPENAI_BASE_URL: model.openaiBaseURL,
        OPENAI_API_KEY: 'o',
      },
    });
    const viaAnthropic = await collectEvents(router.stream(ask('claude-haiku-4-5'), control()));
    const viaOpenAI = await collectEvents(router.stream(ask('openai/gpt-5-mini'), control()));
    expect(viaAnthropic.blocks).toEqual([{ type: 'text', text: 'routed' }]);
    expect(viaOpenAI.blocks).toEqual([{ type: 'text', text: 'routed' }]);
    expect(model.requests.map((r) => [r.path, r.body['model']])).toEqual([
      ['/v1/messages', 'claude-haiku-4-5'],
      ['/v1/chat/completions', 'gpt-5-mini'],
    ]);
    expect(model.requests[1]?.body['max_completion_tokens']).toBe(100);
  });

  it('streams configured providers with only the key they name', async () => {
    const config = parseModelConfig({
      providers: {
        local: { type: 'openai', base_url: model.openaiBaseURL },
        keyed: { type: 'openai', base_url: model.openaiBaseURL, api_key_env: 'KEYED_TOKEN' },
        proxy: { type: 'anthropic', base_url: model.url, api_key_env: 'PROXY_KEY' },
      },
    });
    const router = createModelRouter({
      config,
      env: { OPENAI_API_KEY: 'must-not-leak', KEYED_TOKEN: 'k1', PROXY_KEY: 'p1' },
    });
    await collectEvents(router.stream(ask('local/qwen3'), control()));
    await collectEvents(router.stream(ask('keyed/qwen3'), control()));
    await collectEvents(router.stream(ask('proxy/claude-opus-4-6'), control()));
    expect(model.requests[0]?.headers['authorization']).toBe('Bearer bosun-no-key');
    expect(model.requests[0]?.body['max_tokens']).toBe(100);
    expect(model.requests[1]?.headers['authorization']).toBe('Bearer k1');
    expect(JSON.stringify(model.requests[2]?.headers)).toContain('p1');
    expect(model.requests[2]?.body['model']).toBe('claude-opus-4-6');

    const missing = createModelRouter({ config, env: {} });
    const { error } = await collectEvents(missing.stream(ask('keyed/qwen3'), control()));
    expect(error).toMatchObject({ kind: 'auth', message: containing('KEYED_TOKEN') });
  });

  it('lets the config redirect the built-in providers', async () => {
    const config = parseModelConfig({
      providers: { anthropic: { type: 'anthropic', base_url: model.url, api_key_env: 'CLAUDE_KEY' } },
    });
    const router = createModelRouter({ config, env: { CLAUDE_KEY: 'c' } });
    const out = await collectEvents(router.stream(ask('claude-sonnet-4-6'), control()));
    expect(out.error).toBeUndefined();
    expect(model.requests).toHaveLength(1);
  });

  it('fails an unknown model inside the stream, as a ModelError', async () => {
    const router = createModelRouter({ env: {} });
    const { error } = await collectEvents(router.stream(ask('nope/x'), control()));
    expect(error).toBeInstanceOf(UnknownModelError);
  });
});
