/** Every limit and default of the harness, in one place (documented in docs/limits.md). */
export interface BrainLimits {
  /** Model requests in one turn (since the last user message) before the turn is ended. */
  maxRoundsPerTurn: number;
  /** Consecutive responses whose single tool call was cut off by max_tokens. */
  maxTruncatedToolResponses: number;
  /** The same tool call (name and input) failing this many times in a row ends the turn. */
  maxIdenticalFailingCalls: number;
  /** Attempts of one model request on transient errors (overloaded, rate limited, 5xx, network). */
  maxModelAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** No bytes from the model for this long: the stream is dead and is retried. */
  modelIdleTimeoutMs: number;
  /** Compactions in a row without a message or tool call before giving up. */
  maxCompactionsInARow: number;
  /** Fraction of the context window at which compaction starts. */
  compactAtFraction: number;
  /** Tool results kept verbatim when older ones are cleared. */
  keepRecentToolResults: number;
  leaseTtlMs: number;
  leaseRenewMs: number;
  /**
   * A session that went idle keeps its lease and folded state this long, so its next event
   * (a follow-up message, a custom tool result, a confirmation) starts the brain at once.
   */
  lingerMs: number;
  /** Sessions one worker runs at once. */
  maxConcurrentSessions: number;
  /** How often a worker looks for sessions whose lease expired (a crashed worker's). */
  sweepIntervalMs: number;
  /** One step (a model call, a tool call) running longer than this makes /healthz report the worker as stalled. */
  stallAfterMs: number;
}

export const DEFAULT_LIMITS: BrainLimits = {
  maxRoundsPerTurn: 200,
  maxTruncatedToolResponses: 3,
  maxIdenticalFailingCalls: 5,
  maxModelAttempts: 6,
  retryBaseMs: 1_000,
  retryMaxMs: 60_000,
  modelIdleTimeoutMs: 120_000,
  maxCompactionsInARow: 3,
  compactAtFraction: 0.8,
  keepRecentToolResults: 5,
  leaseTtlMs: 30_000,
  leaseRenewMs: 10_000,
  lingerMs: 3_000,
  maxConcurrentSessions: 64,
  sweepIntervalMs: 5_000,
  stallAfterMs: 15 * 60_000,
};
