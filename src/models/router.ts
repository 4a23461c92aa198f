import {
  MODEL_PROVIDER_VERSION,
  ModelError,
  type ModelEvent,
  type ModelProfile,
  type ModelProvider,
} from '../core/modelProvider.js';
import { createAnthropicProvider } from './anthropic/anthropicProvider.js';
import { catalogueProfile, DEFAULT_OPEN_MODEL_PROFILE } from './catalogue.js';
import { EMPTY_MODEL_CONFIG, type ModelConfig, type ProviderConfig } from './modelConfig.js';
import { createOpenAIProvider } from './openai/openaiProvider.js';
import { UnknownModelError } from './unknownModel.js';

export interface ModelRouterOptions {
  /** From loadModelConfig(); defaults to no config file (built-in providers only). */
  config?: ModelConfig;
  /** Where provider keys and base URLs are read; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Where a model id goes: a provider name and the id that provider knows it by. */
export interface ModelRoute {
  provider: string;
  model: string;
  profile: ModelProfile;
}

/** The ModelProvider the brain gets, plus the questions the API asks before accepting a model. */
export interface ModelRouter extends ModelProvider {
  isKnownModel(id: string): boolean;
  /** Throws UnknownModelError (kind `invalid_request`) for an id no provider serves. */
  profileFor(id: string): ModelProfile;
  /** Has a list price, so a session `budget` can track it. */
  isBudgetable(id: string): boolean;
  route(id: string): ModelRoute;
}

/**
 * Routes by model id: `claude-*` (or `anthropic/claude-*`) → the Anthropic provider with the
 * catalogue profile; `openai/<model>` → the built-in OpenAI provider (OPENAI_BASE_URL /
 * OPENAI_API_KEY); `<provider>/<model>` → a provider from the config file, which may also
 * redefine `openai` and `anthropic`.
 */
export function createModelRouter(options: ModelRouterOptions = {}): ModelRouter {
  const config = options.config ?? EMPTY_MODEL_CONFIG;
  const env = options.env ?? process.env;
  const instances = new Map<string, ModelProvider>();
  const where = config.source ? ` in ${config.source}` : ' in bosun.config.yaml';

  const claudeProfile = (id: string): ModelProfile | undefined => {
    const base = catalogueProfile(id);
    const override = Object.hasOwn(config.models, id) ? config.models[id] : undefined;
    if (!base && !override) return undefined;
    const merged = { ...base, ...override };
    return merged.contextWindow !== undefined && merged.maxOutputTokens !== undefined
      ? (merged as ModelProfile)
      : undefined;
  };

  const providerConfig = (name: string): ProviderConfig | undefined => {
    if (Object.hasOwn(config.providers, name)) return config.providers[name];
    if (name === 'anthropic') return { type: 'anthropic' };
    if (name === 'openai') return { type: 'openai' };
    return undefined;
  };

  const route = (id: string): ModelRoute => {
    const slash = id.indexOf('/');
    if (slash < 0) {
      if (!id.startsWith('claude-')) {
        throw new UnknownModelError(
          id,
          'name a Claude model, or use <provider>/<model> (e.g. openai/gpt-5, ollama/qwen3)',
        );
      }
      return routeTo('anthropic', id, id);
    }
    return routeTo(id.slice(0, slash), id.slice(slash + 1), id);
  };

  const routeTo = (name: string, model: string, id: string): ModelRoute => {
    const provider = providerConfig(name);
    if (!provider) throw new UnknownModelError(id, `no provider "${name}": add it under providers${where}`);
    if (model === '') throw new UnknownModelError(id, 'the model name after the provider is empty');
    if (provider.models) {
      const listed = Object.hasOwn(provider.models, model) ? provider.models[model] : undefined;
      if (!listed)
        throw new UnknownModelError(id, `provider "${name}" lists its models${where} and this is not one of them`);
      return { provider: name, model, profile: listed };
    }
    if (provider.type === 'openai') return { provider: name, model, profile: DEFAULT_OPEN_MODEL_PROFILE };
    const profile = claudeProfile(model);
    if (!profile) throw new UnknownModelError(id, `not in the built-in catalogue: add it under models${where}`);
    return { provider: name, model, profile };
  };

  const instance = (name: string): ModelProvider => {
    let provider = instances.get(name);
    if (provider) return provider;
    const cfg = providerConfig(name) ?? { type: 'openai' };
    const builtIn = name === 'openai' || name === 'anthropic';
    // Built-ins read their usual variables; a configured endpoint gets only the key it names.
    const apiKeyEnv = cfg.apiKeyEnv ?? (builtIn ? undefined : null);
    const common = { env, apiKeyEnv, ...(cfg.baseURL ? { baseURL: cfg.baseURL } : {}) };
    provider =
      cfg.type === 'anthropic'
        ? createAnthropicProvider(common)
        : createOpenAIProvider({
            ...common,
            maxTokensField: cfg.maxTokensField ?? (name === 'openai' ? 'max_completion_tokens' : 'max_tokens'),
            sendCacheKey: name === 'openai',
          });
    instances.set(name, provider);
    return provider;
  };

  const isKnownModel = (id: string): boolean => {
    try {
      route(id);
      return true;
    } catch {
      return false;
    }
  };

  return {
    version: MODEL_PROVIDER_VERSION,
    route,
    isKnownModel,
    profileFor: (id) => route(id).profile,
    isBudgetable: (id) => isKnownModel(id) && route(id).profile.pricing !== undefined,
    profile: (id) => route(id).profile,
    async *stream(request, control): AsyncGenerator<ModelEvent> {
      const target = route(request.model);
      yield* instance(target.provider).stream({ ...request, model: target.model }, control);
    },
    async countTokens(request, control) {
      const target = route(request.model);
      const provider = instance(target.provider);
      if (!provider.countTokens) {
        throw new ModelError('invalid_request', `provider "${target.provider}" cannot count tokens`);
      }
      return provider.countTokens({ ...request, model: target.model }, control);
    },
  };
}
