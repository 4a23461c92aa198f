/**
 * The model port (version 1). Adapters wrap the official SDKs (models/anthropic, models/openai);
 * the brain sees only this. Events follow Anthropic's block lifecycle because the log's
 * events (agent.message, agent.thinking, agent.tool_use) are shaped after it.
 */
export const MODEL_PROVIDER_VERSION = 1;

export interface ModelProfile {
  contextWindow: number;
  maxOutputTokens: number;
  /** USD minor units (cents) per million tokens; absent when the model has no list price. */
  pricing?: { input: number; output: number; cacheRead: number; cacheWrite: number };
}

export type Role = 'user' | 'assistant';

/** A content block in the provider-neutral request; `native` keeps an assistant block byte-exact. */
export type ContentBlock =
  | { type: 'text'; text: string; cache?: boolean }
  | { type: 'image'; source: Record<string, unknown> }
  | { type: 'thinking'; thinking: string; signature?: string; native?: unknown }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; toolUseId: string; content: ContentBlock[]; isError: boolean };

export interface Turn {
  role: Role;
  content: ContentBlock[];
}

export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export interface ModelRequest {
  model: string;
  system: string | null;
  tools: ToolSpec[];
  messages: Turn[];
  maxOutputTokens: number;
}

export type StopReason = 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence' | 'refusal' | 'pause_turn';

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export type ModelEvent =
  | { type: 'block_start'; index: number; kind: 'text' | 'thinking' | 'tool_use'; toolUseId?: string; toolName?: string }
  | { type: 'text_delta'; index: number; text: string }
  | { type: 'thinking_delta'; index: number; text: string }
  | { type: 'block_stop'; index: number; block: ContentBlock }
  | { type: 'response_stop'; stopReason: StopReason; usage: Usage };

export type ModelErrorKind =
  | 'overloaded'
  | 'rate_limited'
  | 'server'
  | 'network'
  | 'timeout'
  | 'context_overflow'
  | 'invalid_request'
  | 'auth'
  | 'billing'
  | 'aborted';

/** Adapters classify every failure once, so the brain's retry policy is provider-neutral. */
export class ModelError extends Error {
  constructor(
    readonly kind: ModelErrorKind,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ModelError';
  }
}

export interface ModelProvider {
  readonly version: typeof MODEL_PROVIDER_VERSION;
  profile(model: string): ModelProfile;
  /** Streams one response. Throws ModelError; never retries on its own. */
  stream(request: ModelRequest, control: { signal: AbortSignal; idleTimeoutMs: number }): AsyncIterable<ModelEvent>;
}
