/**
 * A session's `status`, `usage` and `stats` are a fold over its log. The store applies this
 * fold inside every append's transaction and caches the result on the session row, so reads
 * are cheap and can never disagree with the log.
 */
import type { StoredEvent } from './sessionLog.js';

export type SessionStatus = 'idle' | 'running' | 'rescheduling' | 'terminated';

export interface SessionSummary {
  status: SessionStatus;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  /** List cost in millionths of a US dollar, so per-request costs don't round away. */
  costMicroUsd: number;
  /** Whether every model used so far has a list price (else list_cost is unknown). */
  costKnown: boolean;
  activeMs: number;
  /** When the current running stretch began; null while not running. */
  runningSince: string | null;
  /** Frozen duration for terminated sessions. */
  terminatedAt: string | null;
  /** Seq of the latest user event, and how far the brain has taken user events in. */
  lastUserSeq: number;
  intakeThrough: number;
}

export const emptySessionSummary = (): SessionSummary => ({
  status: 'idle',
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWrite5mTokens: 0,
  cacheWrite1hTokens: 0,
  costMicroUsd: 0,
  costKnown: true,
  activeMs: 0,
  runningSince: null,
  terminatedAt: null,
  lastUserSeq: 0,
  intakeThrough: 0,
});

/** The session has work for a brain: it is mid-turn, or input waits that no brain took in. */
export function needsBrain(summary: SessionSummary): boolean {
  if (summary.status === 'terminated') return false;
  return (
    summary.status === 'running' ||
    summary.status === 'rescheduling' ||
    summary.lastUserSeq > (summary.intakeThrough ?? 0)
  );
}

const STATUS_OF_EVENT: Record<string, SessionStatus> = {
  'session.status_running': 'running',
  'session.status_idle': 'idle',
  'session.status_rescheduled': 'rescheduling',
  'session.status_terminated': 'terminated',
};

const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

const AFFECTS_SUMMARY = new Set([...Object.keys(STATUS_OF_EVENT), 'span.model_request_end']);

export function foldSessionSummary(
  summary: SessionSummary,
  event: StoredEvent,
  intakeThroughSeq?: number,
): SessionSummary {
  const isUser = event.type.startsWith('user.') || event.type.startsWith('system.');
  // Most events (agent output, tool results) change nothing here: skip the copy on the hot path.
  if (!isUser && intakeThroughSeq === undefined && !AFFECTS_SUMMARY.has(event.type)) return summary;
  const next = { ...summary };
  if (isUser) next.lastUserSeq = event.seq;
  if (intakeThroughSeq !== undefined) next.intakeThrough = Math.max(next.intakeThrough ?? 0, intakeThroughSeq);
  const status = STATUS_OF_EVENT[event.type];
  if (status) {
    if (next.runningSince && status !== 'running') {
      next.activeMs += Math.max(0, Date.parse(event.createdAt) - Date.parse(next.runningSince));
      next.runningSince = null;
    }
    if (status === 'running' && !next.runningSince) next.runningSince = event.createdAt;
    if (status === 'terminated') next.terminatedAt = event.createdAt;
    next.status = status;
  }
  if (event.type === 'span.model_request_end') {
    const usage = (event.data['model_usage'] ?? {}) as Record<string, unknown>;
    next.inputTokens += num(usage['input_tokens']);
    next.outputTokens += num(usage['output_tokens']);
    next.cacheReadTokens += num(usage['cache_read_input_tokens']);
    next.cacheWrite5mTokens += num(usage['cache_creation_input_tokens']);
    const cost = event.hidden?.['cost_micro_usd'];
    if (typeof cost === 'number') next.costMicroUsd += cost;
    else if (event.hidden?.['cost_unknown']) next.costKnown = false;
  }
  return next;
}

/** The public `usage` and `stats` objects of a session at time `now`. */
export function renderSessionUsage(summary: SessionSummary, createdAt: string, now: Date) {
  const runningMs = summary.runningSince ? Math.max(0, now.getTime() - Date.parse(summary.runningSince)) : 0;
  const activeSeconds = Math.round((summary.activeMs + runningMs) / 100) / 10;
  const end = summary.terminatedAt ? Date.parse(summary.terminatedAt) : now.getTime();
  const durationSeconds = Math.max(0, Math.round((end - Date.parse(createdAt)) / 100) / 10);
  return {
    usage: {
      input_tokens: summary.inputTokens,
      output_tokens: summary.outputTokens,
      cache_read_input_tokens: summary.cacheReadTokens,
      cache_creation: {
        ephemeral_5m_input_tokens: summary.cacheWrite5mTokens,
        ephemeral_1h_input_tokens: summary.cacheWrite1hTokens,
      },
      active_seconds: activeSeconds,
      list_cost: summary.costKnown
        ? { amount: String(Math.round(summary.costMicroUsd / 10_000)), currency: 'USD' as const }
        : null,
    },
    stats: { active_seconds: activeSeconds, duration_seconds: durationSeconds },
  };
}
