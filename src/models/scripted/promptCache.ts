import { createHash } from 'node:crypto';
import { asArray, asString, isObject } from './requestView.js';
import type { Json } from './scriptTypes.js';

type JsonObject = { [key: string]: Json };

interface Segment {
  text: string;
  breakpoint: boolean;
}

export interface CacheOutcome {
  /** The whole prompt: uncached + cache read + cache write. */
  promptTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/** Anthropic looks for an earlier cache entry at up to 20 block boundaries before a breakpoint. */
const LOOKBACK = 20;

/** Deterministic stand-in for a tokenizer: one token per four UTF-16 units. */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

/**
 * Simulates prompt caching so tests can check breakpoint placement: Anthropic caches the prefix
 * up to each `cache_control` mark (found again through the 20-block lookback); OpenAI-compatible
 * servers cache every message-boundary prefix automatically. Entries live five minutes.
 */
export class PromptCacheSimulator {
  readonly #expiry = new Map<string, number>();

  constructor(
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  anthropic(body: JsonObject): CacheOutcome {
    return this.#simulate(asString(body['model']), anthropicSegments(body), false);
  }

  openai(body: JsonObject): CacheOutcome {
    return this.#simulate(asString(body['model']), openaiSegments(body), true);
  }

  #simulate(model: string, segments: Segment[], automatic: boolean): CacheOutcome {
    const now = this.now();
    const hash = createHash('sha256').update(model);
    const hashes: string[] = [];
    const tokens: number[] = [];
    let chars = 0;
    for (const segment of segments) {
      hash.update(segment.text);
      hashes.push(hash.copy().digest('hex'));
      chars += segment.text.length;
      tokens.push(estimateTokens(chars));
    }
    const promptTokens = estimateTokens(chars);
    const live = (i: number): boolean => {
      const key = hashes[i];
      return key !== undefined && (this.#expiry.get(key) ?? 0) > now;
    };
    const breakpoints = automatic ? segments.map((_, i) => i) : segments.flatMap((s, i) => (s.breakpoint ? [i] : []));

    let read = -1;
    for (const bp of breakpoints) {
      const floor = automatic ? 0 : Math.max(0, bp - LOOKBACK);
      for (let i = bp; i >= floor && i > read; i--) {
        if (live(i)) {
          read = i;
          break;
        }
      }
    }
    const lastBreakpoint = breakpoints.at(-1) ?? -1;
    const cacheReadTokens = read >= 0 ? (tokens[read] ?? 0) : 0;
    const cacheWriteTokens = !automatic && lastBreakpoint > read ? (tokens[lastBreakpoint] ?? 0) - cacheReadTokens : 0;
    for (const bp of breakpoints) {
      const key = hashes[bp];
      if (key) this.#expiry.set(key, now + this.ttlMs);
    }
    return { promptTokens, cacheReadTokens, cacheWriteTokens };
  }
}

/** The prompt in Anthropic's cache order (tools → system → messages), one segment per block. */
export function anthropicSegments(body: JsonObject): Segment[] {
  const segments: Segment[] = [];
  const push = (value: Json | undefined, prefix = ''): void => {
    const breakpoint = isObject(value) && isObject(value['cache_control']);
    segments.push({ text: prefix + canonical(value), breakpoint });
  };
  for (const tool of asArray(body['tools'])) push(tool);
  const system = body['system'];
  if (typeof system === 'string') push(system);
  else for (const block of asArray(system)) push(block);
  for (const message of asArray(body['messages']).filter(isObject)) {
    const role = `${asString(message['role'])}:`;
    const content = message['content'];
    if (typeof content === 'string') push(content, role);
    else asArray(content).forEach((block, i) => push(block, i === 0 ? role : ''));
  }
  // Top-level cache_control marks the last cacheable block (automatic caching).
  const last = segments.at(-1);
  if (isObject(body['cache_control']) && last) last.breakpoint = true;
  return segments;
}

function openaiSegments(body: JsonObject): Segment[] {
  return [...asArray(body['tools']), ...asArray(body['messages'])].map((item) => ({
    text: canonical(item),
    breakpoint: true,
  }));
}

/** JSON without cache marks: moving a breakpoint does not change the cached bytes. */
function canonical(value: Json | undefined): string {
  return JSON.stringify(value ?? null, (key, inner: unknown) => (key === 'cache_control' ? undefined : inner));
}

export function promptTokensOf(protocol: 'anthropic' | 'openai', body: JsonObject): number {
  const segments = protocol === 'anthropic' ? anthropicSegments(body) : openaiSegments(body);
  return estimateTokens(segments.reduce((sum, s) => sum + s.text.length, 0));
}
