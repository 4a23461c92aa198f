import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadModelConfig, ModelConfigError, parseModelConfig } from './modelConfig.js';

let dataDir: string;
let cwd: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'bosun-models-data-'));
  cwd = mkdtempSync(join(tmpdir(), 'bosun-models-cwd-'));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(cwd, { recursive: true, force: true });
});

const YAML = `
server: { port: 1234 }   # another module's section is left alone
providers:
  ollama:
    type: openai
    base_url: http://127.0.0.1:11434/v1
    models:
      qwen3: { context_window: 40960, max_output_tokens: 8192, pricing: { input: 0, output: 0 } }
  openai:
    type: openai
    api_key_env: MY_OPENAI_KEY
models:
  claude-sonnet-4-6:
    pricing: { input: 2.5, output: 12, cache_read: 0.25, cache_write: 3.125 }
  claude-next-1:
    context_window: 500000
    max_output_tokens: 100000
`;

describe('model config file', () => {
  it('reads YAML from the data dir before the working directory, and compiles it', () => {
    writeFileSync(
      join(cwd, 'bosun.config.json'),
      JSON.stringify({ providers: { other: { type: 'openai', base_url: 'http://x/v1' } } }),
    );
    writeFileSync(join(dataDir, 'bosun.config.yaml'), YAML);
    const config = loadModelConfig({ dataDir, cwd });
    expect(config.source).toBe(join(dataDir, 'bosun.config.yaml'));
    expect(config.providers['ollama']).toEqual({
      type: 'openai',
      baseURL: 'http://127.0.0.1:11434/v1',
      models: {
        qwen3: {
          contextWindow: 40960,
          maxOutputTokens: 8192,
          pricing: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
        },
      },
    });
    expect(config.providers['openai']).toEqual({ type: 'openai', apiKeyEnv: 'MY_OPENAI_KEY' });
    expect(config.models['claude-sonnet-4-6']).toEqual({
      pricing: { input: 250, output: 1200, cacheRead: 25, cacheWrite: 312.5 },
    });
    expect(config.models['claude-next-1']).toEqual({ contextWindow: 500000, maxOutputTokens: 100000 });
  });

  it('falls back to the working directory, then to no config', () => {
    writeFileSync(
      join(cwd, 'bosun.config.json'),
      JSON.stringify({ providers: { vllm: { type: 'openai', base_url: 'http://h:8000/v1' } } }),
    );
    expect(loadModelConfig({ dataDir, cwd }).providers['vllm']?.baseURL).toBe('http://h:8000/v1');
    rmSync(join(cwd, 'bosun.config.json'));
    expect(loadModelConfig({ dataDir, cwd })).toMatchObject({ providers: {}, models: {}, source: null });
  });

  it('names the file and the field of every mistake', () => {
    const file = join(dataDir, 'bosun.config.yaml');
    writeFileSync(
      file,
      'providers:\n  ollama:\n    type: openia\n    base_url: not a url\n    extra: 1\n  lmstudio:\n    type: openai\nmodels:\n  claude-sonnet-4-6: { context_window: -5 }\n',
    );
    let error: unknown;
    try {
      loadModelConfig({ dataDir, cwd });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ModelConfigError);
    const message = (error as Error).message;
    expect(message).toContain(`${file}: providers.ollama.type`);
    expect(message).toContain(`${file}: providers.ollama.base_url`);
    expect(message).toContain(`${file}: providers.ollama`);
    expect(message).toContain('extra');
    expect(message).toContain(`${file}: models.claude-sonnet-4-6.context_window`);
  });

  it('requires base_url for new providers and a full profile for new models', () => {
    expect(() => parseModelConfig({ providers: { lmstudio: { type: 'openai' } } }, 'cfg.json')).toThrow(
      'cfg.json: providers.lmstudio.base_url: required',
    );
    expect(() => parseModelConfig({ models: { 'claude-next-9': { context_window: 1000 } } }, 'cfg.json')).toThrow(
      /cfg\.json: models\.claude-next-9: .*max_output_tokens are required/,
    );
    expect(() =>
      parseModelConfig(
        { providers: { x: { type: 'openai', base_url: 'http://x/v1', models: { m: { context_window: 9 } } } } },
        'c',
      ),
    ).toThrow('c: providers.x.models.m: context_window and max_output_tokens are required');
  });

  it('reports unparseable files with the file name', () => {
    writeFileSync(join(dataDir, 'bosun.config.json'), '{ "providers": ');
    expect(() => loadModelConfig({ dataDir, cwd })).toThrow(
      new RegExp(`${join(dataDir, 'bosun.config.json')}: not valid JSON`),
    );
    rmSync(join(dataDir, 'bosun.config.json'));
    writeFileSync(join(dataDir, 'bosun.config.yaml'), 'providers: [unclosed');
    expect(() => loadModelConfig({ dataDir, cwd })).toThrow(/bosun\.config\.yaml: not valid YAML/);
  });
});
