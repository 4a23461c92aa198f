import type { ContentBlock, Turn } from '../core/modelProvider.js';
import type { SessionStatus } from '../core/sessionSummary.js';

export type ToolKind = 'builtin' | 'custom' | 'mcp';
export type Permission = 'allow' | 'ask' | 'deny';

/** A tool call of the latest model response, until its result is in the log. */
export interface OpenToolUse {
  /** The `agent.*_tool_use` event id: the idempotency key and the id the model sees. */
  eventId: string;
  kind: ToolKind;
  name: string;
  input: Record<string, unknown>;
  permission: Permission;
  /** Why the input is unusable (malformed or truncated JSON); the call is answered with an error. */
  inputError?: string;
  confirmation?: { result: 'allow' | 'deny'; denyMessage?: string };
  /** `user.custom_tool_result` / `user.tool_result` content, when the client answered. */
  clientResult?: { content: ContentBlock[]; isError: boolean };
  mcpServerName?: string;
}

export interface PendingInput {
  seq: number;
  type: 'user.message' | 'system.message';
  content: ContentBlock[];
}

/**
 * Everything the harness needs to decide its next step: a fold of the session's log.
 * It holds no wall-clock or process state, so a fresh worker that folds the same log
 * makes the same decision (and builds the same model request) as the one that crashed.
 */
export interface BrainState {
  lastSeq: number;
  status: SessionStatus;
  /** The conversation as the model has seen it, ready to resend. */
  turns: Turn[];
  /** User and system messages not yet taken into a model request. */
  pendingInput: PendingInput[];
  /** tool_result blocks produced since the last request, in the order of their tool calls. */
  pendingResults: ContentBlock[];
  /** Tool calls of the latest response that have no result yet, in call order. */
  openToolUses: OpenToolUse[];
  /** The request in flight: what it took in, and the assistant turn assembled from its events. */
  currentResponse: { requestStartId: string; intake: number; content: ContentBlock[]; toolUseIds: string[] } | null;
  /** A `span.model_request_start` without its end: a request a crash cut short. */
  openRequestStartId: string | null;
  /** Highest user-event seq the brain has acted on (the log's intake marker). */
  intakeThrough: number;
  lastUserSeq: number;
  /** Seq of the latest `user.interrupt`. */
  interruptSeq: number;
  /** Messages at or before this seq wait for a newer message before they start a turn. */
  heldThrough: number;
  /**
   * A turn is open from the moment a user message is taken in until the session idles for any
   * reason but `requires_action`. Tool results only continue an open turn; after an interrupt or
   * an exhausted turn, only a new user message starts the next one.
   */
  turnOpen: boolean;
  /** Whether the latest response asked to continue without new input (`pause_turn`). */
  continueRequested: boolean;
  lastIdle: { stopReason: string; eventIds: string[] } | null;
  /** Model requests since the turn's last user message: the tool-use round counter. */
  roundsThisTurn: number;
  /** Consecutive responses whose only tool call was cut off by max_tokens. */
  truncatedStreak: number;
  /** Consecutive identical failing tool calls: `name + input` → count. */
  failingCall: { key: string; count: number } | null;
  consecutiveModelErrors: number;
  /** Compactions in a row without a message or tool call in between. */
  compactionStreak: number;
  /** Prompt tokens of the last successful request (input + cache read + cache write). */
  lastPromptTokens: number;
  /** The last request failed because the context overflowed: compact before retrying. */
  overflowPending: boolean;
  /** A compaction happened since the last successful request (its effect is not measured yet). */
  compactedSinceRequest: boolean;
}

export const initialBrainState = (): BrainState => ({
  lastSeq: 0,
  status: 'idle',
  turns: [],
  pendingInput: [],
  pendingResults: [],
  openToolUses: [],
  currentResponse: null,
  openRequestStartId: null,
  intakeThrough: 0,
  lastUserSeq: 0,
  interruptSeq: 0,
  heldThrough: 0,
  turnOpen: false,
  continueRequested: false,
  lastIdle: null,
  roundsThisTurn: 0,
  truncatedStreak: 0,
  failingCall: null,
  consecutiveModelErrors: 0,
  compactionStreak: 0,
  lastPromptTokens: 0,
  overflowPending: false,
  compactedSinceRequest: false,
});
