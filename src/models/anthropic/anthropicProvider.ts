import Anthropic from '@anthropic-ai/sdk';
import {
  MODEL_PROVIDER_VERSION,
  ModelError,
  type ModelEvent,
  type ModelProfile,
  type ModelProvider,
} from '../../core/modelProvider.js';
import { catalogueProfile } from '../catalogue.js';
import { StreamGuard } from '../streamGuard.js';
import { UnknownModelError } from '../unknownModel.js';
import { classifyAnthropicError } from './anthropicErrors.js';
import { AnthropicEventMapper } from './anthropicEvents.js';
import { toAnthropicRequest } from './anthropicRequest.js';
import { modelFetch } from '../nodeFetch.js';

export interface AnthropicProviderOptions {
  /** Defaults to ANTHROPIC_BASE_URL, then the SDK's default (the Anthropic API). */
  baseURL?: string;
  apiKey?: string;
  /** The variable holding the key when `apiKey` is not given: ANTHROPIC_API_KEY by default, null for none. */
  apiKeyEnv?: string | null;
  env?: NodeJS.ProcessEnv;
  /** Profiles by model id; defaults to the built-in Claude catalogue. */
  profile?: (model: string) => ModelProfile | undefined;
}

/** A ModelProvider over the Messages API (Anthropic, or anything that speaks it). */
export function createAnthropicProvider(options: AnthropicProviderOptions = {}): ModelProvider {
  const env = options.env ?? process.env;
  const baseURL = options.baseURL ?? env['ANTHROPIC_BASE_URL'] ?? undefined;
  const keyEnv = options.apiKeyEnv === undefined ? 'ANTHROPIC_API_KEY' : options.apiKeyEnv;
  const apiKey = options.apiKey ?? (keyEnv ? env[keyEnv] : undefined) ?? undefined;
  const lookup = options.profile ?? catalogueProfile;
  let client: Anthropic | undefined;

  const getClient = (): Anthropic => {
    // A key is required where it was asked for by name, or where the default endpoint is used.
    if (!apiKey && (options.apiKeyEnv || !baseURL)) {
      throw new ModelError('auth', `no Anthropic API key: set ${keyEnv ?? 'ANTHROPIC_API_KEY'}`);
    }
    // Retries are the brain's (each attempt is logged); an explicit key keeps the SDK from
    // looking for credential files.
    client ??= new Anthropic({
      baseURL: baseURL ?? 'https://api.anthropic.com',
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
      let iterator: AsyncIterator<Anthropic.RawMessageStreamEvent> | undefined;
      try {
        const body = toAnthropicRequest(request);
        guard.throwIfTripped();
        const { data, request_id } = await guard.step(
          getClient().messages.create(body, { signal: guard.signal }).withResponse(),
        );
        const mapper = new AnthropicEventMapper(request_id ?? null);
        iterator = data[Symbol.asyncIterator]();
        while (!mapper.stopped) {
          const next = await guard.step(iterator.next());
          if (next.done) break;
          for (const event of mapper.map(next.value)) yield event;
        }
        guard.throwIfTripped();
        if (!mapper.stopped) throw new ModelError('network', 'the model stream ended before message_stop');
      } catch (error) {
        throw guard.failure(error, classifyAnthropicError);
      } finally {
        guard.close();
        iterator?.return?.().catch(() => undefined);
      }
    },

    async countTokens(request, control) {
      const { model, system, tools, messages, thinking } = toAnthropicRequest(request);
      try {
        const result = await getClient().messages.countTokens(
          {
            model,
            messages,
            ...(system ? { system } : {}),
            ...(tools ? { tools } : {}),
            ...(thinking ? { thinking } : {}),
          },
          { signal: control.signal },
        );
        return result.input_tokens;
      } catch (error) {
        if (control.signal.aborted) throw new ModelError('aborted', 'token count aborted');
        throw error instanceof ModelError ? error : classifyAnthropicError(error);
      }
    },
  };
}
