/**
 * The model port (version 1). Adapters wrap the official SDKs (models/anthropic, models/openai);
 * the brain sees only this. Events follow Anthropic's block lifecycle because the log's
 * events (agent.message, agent.thinking, agent.tool_use) are shaped after it.
 */
export const MODEL_PROVIDER_VERSION = 1;

/** Anthropic's effort levels (`output_config.effort`); Managed Agents stores one per agent. */
export type Effort = 'low' | 'medium' | 'high' | 'xhigh' | 'max';

export interface ModelProfile {
  contextWindow: number;
  maxOutputTokens: number;
  /** USD minor units (cents) per million tokens; absent when the model has no list price. */
  pricing?: { input: number; output: number; cacheRead: number; cacheWrite: number };
  /** The effort an agent gets when it names none; absent when the model has no effort control. */
  defaultEffort?: Effort;
}

export type Role = 'user' | 'assistant';

/**
 * A content block in the provider-neutral request. `cache: true` asks for a prompt-cache
 * breakpoint after the block (e.g. on a compaction summary). The Anthropic adapter adds its own
 * on the system/tools prefix, the last turn and the user turn before it; of the four Anthropic
 * allows, the prefix keeps one and the latest of the rest win.
 */
export type ContentBlock =
  | { type: 'text'; text: string; cache?: boolean }
  | { type: 'image'; source: Record<string, unknown>; cache?: boolean }
  /** `signature` is provider-bound: adapters drop unsigned thinking where the provider needs one. `native`, when set, is resent verbatim. */
  | { type: 'thinking'; thinking: string; signature?: string; native?: unknown }
  /** Anthropic's encrypted thinking; resent verbatim, dropped by other providers. */
  | { type: 'redacted_thinking'; data: string }
  /** When `inputError` is set the model produced input that is not a JSON object: `input` is `{}` and must not be run. */
  | { type: 'tool_use'; id: string; name: string; input: unknown; inputError?: ToolInputError }
  | { type: 'tool_result'; toolUseId: string; content: ContentBlock[]; isError: boolean; cache?: boolean };

export interface ToolInputError {
  message: string;
  /** The model's raw input text, exactly as streamed. */
  raw: string;
}

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
  /** Anthropic extended thinking; OpenAI-compatible adapters ignore it (reasoning models think anyway). */
  thinking?: { type: 'enabled'; budgetTokens: number } | { type: 'adaptive' };
  effort?: Effort;
  /** A stable per-session key; OpenAI uses it to route to a warm prompt cache. */
  cacheKey?: string;
}

export type StopReason =
  | 'end_turn'
  | 'tool_use'
  | 'max_tokens'
  | 'stop_sequence'
  | 'refusal'
  | 'pause_turn'
  | 'model_context_window_exceeded';

/** Anthropic semantics: `inputTokens` is the uncached input only; the prompt is input + cacheRead + cacheWrite. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export type ModelEvent =
  /** Once, before any block. Ids are the provider's, for logs and support requests. */
  | { type: 'response_start'; messageId: string | null; requestId: string | null }
  | {
      type: 'block_start';
      index: number;
      kind: 'text' | 'thinking' | 'redacted_thinking' | 'tool_use';
      toolUseId?: string;
      toolName?: string;
    }
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

/** Kinds worth the same request again after a pause; the rest fail the same way every time. */
export const RETRYABLE_MODEL_ERRORS: ReadonlySet<ModelErrorKind> = new Set([
  'overloaded',
  'rate_limited',
  'server',
  'network',
  'timeout',
]);

/** Adapters classify every failure once, so the brain's retry policy is provider-neutral. */
export class ModelError extends Error {
  /** HTTP status when the provider answered with one; absent for mid-stream and connection failures. */
  readonly status: number | undefined;
  readonly requestId: string | undefined;

  constructor(
    readonly kind: ModelErrorKind,
    message: string,
    /** From `retry-after-ms` / `retry-after`; the brain waits at least this long before retrying. */
    readonly retryAfterMs?: number,
    details: { status?: number; requestId?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ModelError';
    this.status = details.status;
    this.requestId = details.requestId;
  }
}

export interface ModelProvider {
  readonly version: typeof MODEL_PROVIDER_VERSION;
  profile(model: string): ModelProfile;
  /**
   * Streams one response. Throws ModelError (`timeout` when no event arrives for idleTimeoutMs,
   * `aborted` when the signal fires); never retries on its own.
   */
  stream(request: ModelRequest, control: { signal: AbortSignal; idleTimeoutMs: number }): AsyncIterable<ModelEvent>;
  /** The prompt's size in tokens as the provider counts it; absent where the provider cannot count. */
  countTokens?(request: ModelRequest, control: { signal: AbortSignal }): Promise<number>;
}
