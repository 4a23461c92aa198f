import Anthropic from '@anthropic-ai/sdk';
import { MODEL_PROVIDER_VERSION, ModelError, type ModelProfile, type ModelProvider } from '../../core/modelProvider.js';
import { catalogueProfile } from '../catalogue.js';
import { modelFetch } from '../nodeFetch.js';
import { type EndpointOptions, endpointOf, guardedStream, profileOf } from '../sdkStream.js';
import { classifyAnthropicError } from './anthropicErrors.js';
import { AnthropicEventMapper } from './anthropicEvents.js';
import { toAnthropicRequest } from './anthropicRequest.js';

/**
 * `baseURL` defaults to ANTHROPIC_BASE_URL, then the Anthropic API; `apiKeyEnv` to
 * ANTHROPIC_API_KEY, null for none.
 */
export interface AnthropicProviderOptions extends EndpointOptions {
  /** Profiles by model id; defaults to the built-in Claude catalogue. */
  profile?: (model: string) => ModelProfile | undefined;
}

/** A ModelProvider over the Messages API (Anthropic, or anything that speaks it). */
export function createAnthropicProvider(options: AnthropicProviderOptions = {}): ModelProvider {
  const endpoint = endpointOf(options, {
    baseUrlEnv: 'ANTHROPIC_BASE_URL',
    keyEnv: 'ANTHROPIC_API_KEY',
    baseURL: 'https://api.anthropic.com',
    name: 'Anthropic',
  });
  let client: Anthropic | undefined;
  // Retries are the brain's (each attempt is logged).
  const getClient = (): Anthropic =>
    (client ??= new Anthropic({ ...endpoint(), maxRetries: 0, fetch: modelFetch, ...openTelemetryOption() }));

  return {
    version: MODEL_PROVIDER_VERSION,
    profile: profileOf(options.profile ?? catalogueProfile),

    stream(request, control) {
      return guardedStream(
        control,
        (signal) => getClient().messages.create(toAnthropicRequest(request), { signal }).withResponse(),
        (requestId) => new AnthropicEventMapper(requestId),
        classifyAnthropicError,
      );
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

/**
 * The SDK builds an OpenTelemetry span for every call (~0.1 ms on the time-to-first-token path),
 * even when no tracer provider is registered. Bosun turns that off unless the operator sets one
 * of the SDK's `ANTHROPIC_OPEN_TELEMETRY*` variables, which the SDK then reads as usual.
 */
function openTelemetryOption(): { openTelemetry?: false } {
  const configured = Object.keys(process.env).some((name) => name.startsWith('ANTHROPIC_OPEN_TELEMETRY'));
  return configured ? {} : { openTelemetry: false };
}
