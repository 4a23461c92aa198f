import OpenAI from 'openai';
import { MODEL_PROVIDER_VERSION, type ModelProfile, type ModelProvider } from '../../core/modelProvider.js';
import { DEFAULT_OPEN_MODEL_PROFILE } from '../catalogue.js';
import { modelFetch } from '../nodeFetch.js';
import { type EndpointOptions, endpointOf, guardedStream, profileOf } from '../sdkStream.js';
import { classifyOpenAIError } from './openaiErrors.js';
import { OpenAIEventMapper } from './openaiEvents.js';
import { type OpenAIRequestOptions, toOpenAIRequest } from './openaiRequest.js';

/**
 * `baseURL` defaults to OPENAI_BASE_URL, then the OpenAI API (local servers: `http://host:port/v1`);
 * `apiKeyEnv` to OPENAI_API_KEY, null for none (local servers).
 */
export interface OpenAIProviderOptions extends Partial<OpenAIRequestOptions>, EndpointOptions {
  /** Profiles by model id; by default every model gets DEFAULT_OPEN_MODEL_PROFILE. */
  profile?: (model: string) => ModelProfile | undefined;
}

/** A ModelProvider over Chat Completions: OpenAI, vLLM, Ollama, llama.cpp, LM Studio, OpenRouter… */
export function createOpenAIProvider(options: OpenAIProviderOptions = {}): ModelProvider {
  const endpoint = endpointOf(options, {
    baseUrlEnv: 'OPENAI_BASE_URL',
    keyEnv: 'OPENAI_API_KEY',
    baseURL: 'https://api.openai.com/v1',
    name: 'OpenAI-compatible',
  });
  const requestOptions: OpenAIRequestOptions = {
    maxTokensField: options.maxTokensField ?? 'max_completion_tokens',
    sendCacheKey: options.sendCacheKey ?? false,
  };
  let client: OpenAI | undefined;
  // Retries are the brain's (each attempt is logged).
  const getClient = (): OpenAI => (client ??= new OpenAI({ ...endpoint(), maxRetries: 0, fetch: modelFetch }));

  return {
    version: MODEL_PROVIDER_VERSION,
    profile: profileOf(options.profile ?? (() => DEFAULT_OPEN_MODEL_PROFILE)),

    stream(request, control) {
      return guardedStream(
        control,
        (signal) =>
          getClient().chat.completions.create(toOpenAIRequest(request, requestOptions), { signal }).withResponse(),
        (requestId) => new OpenAIEventMapper(requestId),
        classifyOpenAIError,
      );
    },
  };
}
