import type { ModelProfile } from '../core/modelProvider.js';

/**
 * Built-in Claude models: the ids of `Model` in @anthropic-ai/sdk 1.14.0.
 *
 * PRICES ARE LIST PRICES (USD cents per million tokens: input, output, cache read, 5-minute
 * cache write) as published when SDK 1.14.0 was released. They change; operators override them,
 * and add models, under `models` in bosun.config.{json,yaml}. A model without a price here is
 * not budgetable (sessions with a `budget` reject it) until the config gives one.
 *
 * Profiles of the models newer than the 4.6 generation are not published in the SDK; they carry
 * the conservative floor every current Claude model meets (200k window, 64k output) and no price.
 */
export interface CatalogueEntry extends ModelProfile {
  /** Dated snapshot ids that resolve to the same profile. */
  aliases?: readonly string[];
}

const OPUS: ModelProfile['pricing'] = { input: 500, output: 2500, cacheRead: 50, cacheWrite: 625 };
const SONNET: ModelProfile['pricing'] = { input: 300, output: 1500, cacheRead: 30, cacheWrite: 375 };
const HAIKU: ModelProfile['pricing'] = { input: 100, output: 500, cacheRead: 10, cacheWrite: 125 };

const UNPUBLISHED: CatalogueEntry = { contextWindow: 200_000, maxOutputTokens: 64_000 };

export const CLAUDE_CATALOGUE: Readonly<Record<string, CatalogueEntry>> = {
  'claude-opus-4-6': { contextWindow: 200_000, maxOutputTokens: 128_000, pricing: OPUS, defaultEffort: 'high' },
  'claude-sonnet-4-6': { contextWindow: 200_000, maxOutputTokens: 64_000, pricing: SONNET, defaultEffort: 'high' },
  'claude-opus-4-5': {
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    pricing: OPUS,
    defaultEffort: 'high',
    aliases: ['claude-opus-4-5-20251101'],
  },
  'claude-sonnet-4-5': {
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    pricing: SONNET,
    aliases: ['claude-sonnet-4-5-20250929'],
  },
  'claude-haiku-4-5': {
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    pricing: HAIKU,
    aliases: ['claude-haiku-4-5-20251001'],
  },
  'claude-opus-4-7': UNPUBLISHED,
  'claude-opus-4-8': UNPUBLISHED,
  'claude-sonnet-5': UNPUBLISHED,
  'claude-opus-5': UNPUBLISHED,
  'claude-fable-5': UNPUBLISHED,
  'claude-mythos-5': UNPUBLISHED,
  'claude-fable-5-1': UNPUBLISHED,
  'claude-mythos-5-1': UNPUBLISHED,
  'claude-fable-5-2': UNPUBLISHED,
  'claude-mythos-5-2': UNPUBLISHED,
  'claude-haiku-5-5': UNPUBLISHED,
  'claude-sonnet-5-5': UNPUBLISHED,
  'claude-opus-5-5': UNPUBLISHED,
  'claude-mythos-preview': UNPUBLISHED,
};

/**
 * Profile of an OpenAI-compatible model the config does not describe: a window every current
 * hosted model and most local servers' defaults exceed, and no price (so not budgetable).
 */
export const DEFAULT_OPEN_MODEL_PROFILE: ModelProfile = { contextWindow: 128_000, maxOutputTokens: 16_384 };

/** The catalogue profile for a Claude id or one of its dated aliases. */
export function catalogueProfile(id: string): ModelProfile | undefined {
  const direct = Object.hasOwn(CLAUDE_CATALOGUE, id) ? CLAUDE_CATALOGUE[id] : undefined;
  const entry = direct ?? Object.values(CLAUDE_CATALOGUE).find((e) => e.aliases?.includes(id));
  if (!entry) return undefined;
  const { aliases: _aliases, ...profile } = entry;
  return profile;
}
