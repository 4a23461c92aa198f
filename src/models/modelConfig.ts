import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Effort, ModelProfile } from '../core/modelProvider.js';
import { catalogueProfile } from './catalogue.js';

/**
 * The model section of bosun.config.{json,yaml}:
 *
 *   providers:                  # OpenAI- or Anthropic-compatible endpoints, used as `<name>/<model>`
 *     ollama:
 *       type: openai
 *       base_url: http://127.0.0.1:11434/v1
 *       api_key_env: OLLAMA_KEY      # optional: the variable holding the key
 *       models:                      # optional: when given, only these models are accepted
 *         qwen3: { context_window: 40960, max_output_tokens: 8192 }
 *   models:                     # Claude ids: override the catalogue or add new ones
 *     claude-sonnet-4-6: { pricing: { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 } }
 *
 * Prices in the file are USD per million tokens, as price lists print them.
 * `providers.openai` / `providers.anthropic` override the built-in providers.
 */
export const CONFIG_FILES = ['bosun.config.json', 'bosun.config.yaml', 'bosun.config.yml'] as const;

const EFFORTS = ['low', 'medium', 'high', 'xhigh', 'max'] as const satisfies readonly Effort[];
const BUILT_IN = new Set(['openai', 'anthropic']);

const positiveInt = z.number().int().positive();
const price = z.number().nonnegative();
const pricingSchema = z.strictObject({
  input: price,
  output: price,
  cache_read: price.optional(),
  cache_write: price.optional(),
});
const modelSchema = z.strictObject({
  context_window: positiveInt.optional(),
  max_output_tokens: positiveInt.optional(),
  pricing: pricingSchema.optional(),
  default_effort: z.enum(EFFORTS).optional(),
});
const providerSchema = z.strictObject({
  type: z.enum(['openai', 'anthropic']),
  base_url: z.url({ protocol: /^https?$/ }).optional(),
  api_key_env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
    .optional(),
  max_tokens_field: z.enum(['max_tokens', 'max_completion_tokens']).optional(),
  models: z.record(z.string().min(1), modelSchema).optional(),
});
// Loose at the top: the same file holds other modules' sections.
const fileSchema = z.looseObject({
  providers: z
    .record(
      z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'provider names are lower-case letters, digits, . _ -'),
      providerSchema,
    )
    .optional(),
  models: z.record(z.string().min(1), modelSchema).optional(),
});

export interface ProviderConfig {
  type: 'openai' | 'anthropic';
  baseURL?: string;
  apiKeyEnv?: string;
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  /** When present, the only models this provider accepts. */
  models?: Record<string, ModelProfile>;
}

export type ModelOverride = Partial<ModelProfile>;

export interface ModelConfig {
  providers: Record<string, ProviderConfig>;
  /** Claude ids: merged over the catalogue; an id not in it must give window and max output. */
  models: Record<string, ModelOverride>;
  /** The file it came from, for messages. */
  source: string | null;
}

export const EMPTY_MODEL_CONFIG: ModelConfig = { providers: {}, models: {}, source: null };

/** A config file that does not parse or validate; the message names the file and the field. */
export class ModelConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelConfigError';
  }
}

/** Reads the first config file found in the data dir, then the working directory. */
export function loadModelConfig(places: { dataDir?: string; cwd?: string } = {}): ModelConfig {
  const dirs = [places.dataDir, places.cwd ?? process.cwd()].filter((d): d is string => typeof d === 'string');
  for (const dir of dirs) {
    for (const name of CONFIG_FILES) {
      const file = join(dir, name);
      if (existsSync(file)) return parseModelConfig(readConfigFile(file), file);
    }
  }
  return EMPTY_MODEL_CONFIG;
}

function readConfigFile(file: string): unknown {
  const text = readFileSync(file, 'utf8');
  try {
    return file.endsWith('.json') ? (JSON.parse(text) as unknown) : (parseYaml(text) as unknown);
  } catch (error) {
    throw new ModelConfigError(
      `${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
    );
  }
}

/** Validates a parsed config and compiles it to internal form (camelCase, prices in cents). */
export function parseModelConfig(value: unknown, source = 'bosun.config'): ModelConfig {
  const parsed = fileSchema.safeParse(value ?? {});
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) => `${source}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`,
    );
    throw new ModelConfigError(lines.join('\n'));
  }
  const problems: string[] = [];
  const providers: Record<string, ProviderConfig> = {};
  for (const [name, raw] of Object.entries(parsed.data.providers ?? {})) {
    if (!raw.base_url && !BUILT_IN.has(name)) problems.push(`${source}: providers.${name}.base_url: required`);
    const models: Record<string, ModelProfile> = {};
    for (const [id, model] of Object.entries(raw.models ?? {})) {
      const profile = toOverride(model);
      if (profile.contextWindow === undefined || profile.maxOutputTokens === undefined) {
        problems.push(`${source}: providers.${name}.models.${id}: context_window and max_output_tokens are required`);
        continue;
      }
      models[id] = profile as ModelProfile;
    }
    providers[name] = {
      type: raw.type,
      ...(raw.base_url ? { baseURL: raw.base_url } : {}),
      ...(raw.api_key_env ? { apiKeyEnv: raw.api_key_env } : {}),
      ...(raw.max_tokens_field ? { maxTokensField: raw.max_tokens_field } : {}),
      ...(raw.models ? { models } : {}),
    };
  }
  const models: Record<string, ModelOverride> = {};
  for (const [id, model] of Object.entries(parsed.data.models ?? {})) {
    const override = toOverride(model);
    if (!catalogueProfile(id) && (override.contextWindow === undefined || override.maxOutputTokens === undefined)) {
      problems.push(
        `${source}: models.${id}: not in the built-in catalogue, so context_window and max_output_tokens are required`,
      );
    }
    models[id] = override;
  }
  if (problems.length > 0) throw new ModelConfigError(problems.join('\n'));
  return { providers, models, source };
}

function toOverride(model: z.infer<typeof modelSchema>): ModelOverride {
  const cents = (usd: number): number => Math.round(usd * 100 * 10_000) / 10_000;
  const p = model.pricing;
  return {
    ...(model.context_window === undefined ? {} : { contextWindow: model.context_window }),
    ...(model.max_output_tokens === undefined ? {} : { maxOutputTokens: model.max_output_tokens }),
    // Without cache prices, cached tokens are charged as input: a budget never undercounts.
    ...(p
      ? {
          pricing: {
            input: cents(p.input),
            output: cents(p.output),
            cacheRead: cents(p.cache_read ?? p.input),
            cacheWrite: cents(p.cache_write ?? p.input),
          },
        }
      : {}),
    ...(model.default_effort ? { defaultEffort: model.default_effort } : {}),
  };
}
