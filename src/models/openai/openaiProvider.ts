import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import {
  MODEL_PROVIDER_VERSION,
  ModelError,
  type ModelEvent,
  type ModelProfile,
  type ModelProvider,
} from '../../core/modelProvider.js';
import { DEFAULT_OPEN_MODEL_PROFILE } from '../catalogue.js';
import { StreamGuard } from '../streamGuard.js';
import { UnknownModelError } from '../unknownModel.js';
import { classifyOpenAIError } from './openaiErrors.js';
import { OpenAIEventMapper } from './openaiEvents.js';
import { type OpenAIRequestOptions, toOpenAIRequest } from './openaiRequest.js';
import { modelFetch } from '../nodeFetch.js';

export interface OpenAIProviderOptions extends Partial<OpenAIRequestOptions> {
  /** Defaults to OPENAI_BASE_URL, then the SDK's default (the OpenAI API). Local servers: `http://host:port/v1`. */
  baseURL?: string;
  apiKey?: string;
  /** The variable holding the key when `apiKey` is not given: OPENAI_API_KEY by default, null for none (local servers). */
  apiKeyEnv?: string | null;
  env?: NodeJS.ProcessEnv;
  /** Profiles by model id; by default every model gets DEFAULT_OPEN_MODEL_PROFILE. */
  profile?: (model: string) => ModelProfile | undefined;
}

/** A ModelProvider over Chat Completions: OpenAI, vLLM, Ollama, llama.cpp, LM Studio, OpenRouter… */
export function createOpenAIProvider(options: OpenAIProviderOptions = {}): ModelProvider {
  const env = options.env ?? process.env;
  const baseURL = options.baseURL ?? env['OPENAI_BASE_URL'] ?? undefined;
  const keyEnv = options.apiKeyEnv === undefined ? 'OPENAI_API_KEY' : options.apiKeyEnv;
  const apiKey = options.apiKey ?? (keyEnv ? env[keyEnv] : undefined) ?? undefined;
  const lookup = options.profile ?? (() => DEFAULT_OPEN_MODEL_PROFILE);
  const requestOptions: OpenAIRequestOptions = {
    maxTokensField: options.maxTokensField ?? 'max_completion_tokens',
    sendCacheKey: options.sendCacheKey ?? false,
  };
  let client: OpenAI | undefined;

  const getClient = (): OpenAI => {
    // A key is required where it was asked for by name, or where the default endpoint is used.
    if (!apiKey && (options.apiKeyEnv || !baseURL)) {
      throw new ModelError('auth', `no API key: set ${keyEnv ?? 'OPENAI_API_KEY'}`);
    }
    client ??= new OpenAI({
      baseURL: baseURL ?? 'https://api.openai.com/v1',
      apiKey: apiKey ?? 'bosun-no-key',
      maxRetries: 0,
      fetch: modelFetch,
    });
    return client;
  };

  return {
    version: MODEL_PROVIDER_VERSION,

    profile(model) {
      const profile = lookup(model);
      if (!profile) throw new UnknownModelError(model);
      return profile;
    },

    async *stream(request, control): AsyncGenerator<ModelEvent> {
      const guard = new StreamGuard(control.signal, control.idleTimeoutMs);
      let iterator: AsyncIterator<ChatCompletionChunk> | undefined;
      try {
        const body = toOpenAIRequest(request, requestOptions);
        guard.throwIfTripped();
        const { data, request_id } = await guard.step(
          getClient().chat.completions.create(body, { signal: guard.signal }).withResponse(),
        );
        const mapper = new OpenAIEventMapper(request_id ?? null);
        iterator = data[Symbol.asyncIterator]();
        for (;;) {
          const next = await guard.step(iterator.next());
          if (next.done) break;
          for (const event of mapper.map(next.value)) yield event;
        }
        guard.throwIfTripped();
        for (const event of mapper.finish()) yield event;
      } catch (error) {
        throw guard.failure(error, classifyOpenAIError);
      } finally {
        guard.close();
        iterator?.return?.().catch(() => undefined);
      }
    },
  };
}
