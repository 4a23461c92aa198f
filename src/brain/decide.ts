import { CLEARED_TOOL_RESULT } from './fold.js';
import type { BrainLimits } from './limits.js';
import type { BrainState, OpenToolUse } from './state.js';

export type StopReason =
  | { type: 'end_turn' }
  | { type: 'requires_action'; event_ids: string[] }
  | { type: 'retries_exhausted' }
  | { type: 'budget_reached' };

export type SessionErrorObject = {
  type: string;
  message: string;
  retry_status: { type: 'retrying' | 'exhausted' | 'terminal' };
};

export type Action =
  | { type: 'stop' }
  | { type: 'wait' }
  /** A request that a crash cut short: close its span, then decide again (it will be redone). */
  | { type: 'close_orphan_request'; startId: string }
  | { type: 'interrupt'; open: OpenToolUse[] }
  | { type: 'run_tool'; use: OpenToolUse }
  | { type: 'answer_tool'; use: OpenToolUse; text: string }
  | { type: 'model_request' }
  /** Shrink the context: clear old tool results if that is enough, else summarise older turns. */
  | { type: 'compact'; mode: 'clear_tool_results' | 'summarize' }
  | { type: 'idle'; stopReason: StopReason; error?: SessionErrorObject };

export interface DecideContext {
  limits: BrainLimits;
  /** Self-hosted environments run built-in tools in the client's worker (`user.tool_result`). */
  clientRunsTools: boolean;
  /** The session's budget is used up (list cost ≥ max_list_cost). */
  budgetExhausted: boolean;
  /** The agent's model's context window, in tokens. */
  contextWindow: number;
}

/** The harness's decision: a pure function of the folded log. */
export function decide(state: BrainState, ctx: DecideContext): Action {
  if (state.status === 'terminated') return { type: 'stop' };
  if (state.openRequestStartId) return { type: 'close_orphan_request', startId: state.openRequestStartId };
  if (state.interruptSeq > state.intakeThrough) return { type: 'interrupt', open: state.openToolUses };

  const waiting: string[] = [];
  for (const use of state.openToolUses) {
    const step = toolStep(use, ctx);
    if (step === 'wait_for_user') waiting.push(use.eventId);
    else if (step !== 'wait_for_client') return step;
  }
  if (waiting.length > 0) {
    const already =
      state.status === 'idle' &&
      state.lastIdle?.stopReason === 'requires_action' &&
      sameIds(state.lastIdle.eventIds, waiting);
    return already ? { type: 'wait' } : { type: 'idle', stopReason: { type: 'requires_action', event_ids: waiting } };
  }
  if (state.openToolUses.length > 0) return { type: 'wait' };

  const newMessage = state.pendingInput.some((input) => input.seq > state.heldThrough && input.type === 'user.message');
  const wantsResponse = newMessage || (state.turnOpen && (state.pendingResults.length > 0 || state.continueRequested));
  if (wantsResponse) {
    const limit = limitHit(state, ctx.limits);
    if (limit) {
      return {
        type: 'idle',
        stopReason: { type: 'retries_exhausted' },
        error: { type: 'tool_use_limit_reached_error', message: limit, retry_status: { type: 'exhausted' } },
      };
    }
    if (ctx.budgetExhausted) return { type: 'idle', stopReason: { type: 'budget_reached' } };
    const compaction = compactionStep(state, ctx);
    if (compaction) return compaction;
    return { type: 'model_request' };
  }
  if (state.status !== 'idle') return { type: 'idle', stopReason: { type: 'end_turn' } };
  return { type: 'wait' };
}

function toolStep(use: OpenToolUse, ctx: DecideContext): Action | 'wait_for_user' | 'wait_for_client' {
  if (use.kind === 'custom') return 'wait_for_user';
  if (use.inputError) return { type: 'answer_tool', use, text: use.inputError };
  if (use.permission === 'deny')
    return { type: 'answer_tool', use, text: `Tool ${use.name} is denied by the agent's permission policy.` };
  if (use.permission === 'ask' && !use.confirmation) return 'wait_for_user';
  if (use.confirmation?.result === 'deny') {
    return { type: 'answer_tool', use, text: use.confirmation.denyMessage ?? `The user denied this ${use.name} call.` };
  }
  if (use.kind === 'builtin' && ctx.clientRunsTools) return 'wait_for_client';
  return { type: 'run_tool', use };
}

function limitHit(state: BrainState, limits: BrainLimits): string | null {
  if (state.roundsThisTurn >= limits.maxRoundsPerTurn) {
    return `The turn reached the limit of ${limits.maxRoundsPerTurn} model requests.`;
  }
  if (state.truncatedStreak >= limits.maxTruncatedToolResponses) {
    return `${state.truncatedStreak} responses in a row ended with a single tool call cut off by the output token limit.`;
  }
  if (state.failingCall && state.failingCall.count >= limits.maxIdenticalFailingCalls) {
    return `The same tool call failed ${state.failingCall.count} times in a row.`;
  }
  return null;
}

/**
 * Compact when the last request overflowed, or when the next prompt would pass the threshold
 * (estimated as the last prompt plus what was added since, at ~4 characters a token). Clearing
 * old tool results costs nothing, so it goes first; a summary needs a model call.
 */
function compactionStep(state: BrainState, ctx: DecideContext): Action | null {
  const threshold = ctx.contextWindow * ctx.limits.compactAtFraction;
  const over = state.overflowPending || (!state.compactedSinceRequest && estimatePromptTokens(state) > threshold);
  if (!over) return null;
  if (state.compactionStreak >= ctx.limits.maxCompactionsInARow) {
    return {
      type: 'idle',
      stopReason: { type: 'retries_exhausted' },
      error: {
        type: 'compaction_limit_reached_error',
        message: `The context was compacted ${state.compactionStreak} times in a row and still does not fit.`,
        retry_status: { type: 'exhausted' },
      },
    };
  }
  const clearable = countToolResults(state) - ctx.limits.keepRecentToolResults;
  const mode = clearable > 0 && state.compactionStreak === 0 ? 'clear_tool_results' : 'summarize';
  return { type: 'compact', mode };
}

export function estimatePromptTokens(state: BrainState): number {
  let chars = 0;
  for (const block of state.pendingResults) chars += JSON.stringify(block).length;
  for (const input of state.pendingInput) chars += JSON.stringify(input.content).length;
  return state.lastPromptTokens + Math.ceil(chars / 4);
}

function countToolResults(state: BrainState): number {
  let count = 0;
  for (const turn of state.turns) {
    for (const block of turn.content) {
      if (
        block.type === 'tool_result' &&
        !(
          block.content.length === 1 &&
          block.content[0]?.type === 'text' &&
          block.content[0].text === CLEARED_TOOL_RESULT
        )
      )
        count += 1;
    }
  }
  return count;
}

const sameIds = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((id, i) => id === b[i]);
