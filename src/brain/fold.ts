import type { ContentBlock, Turn } from '../core/modelProvider.js';
import type { StoredEvent } from '../core/sessionLog.js';
import { initialBrainState, type BrainState, type OpenToolUse, type Permission, type ToolKind } from './state.js';

const TOOL_USE_KINDS: Record<string, ToolKind> = {
  'agent.tool_use': 'builtin',
  'agent.custom_tool_use': 'custom',
  'agent.mcp_tool_use': 'mcp',
};

const STATUS: Record<string, BrainState['status']> = {
  'session.status_running': 'running',
  'session.status_idle': 'idle',
  'session.status_rescheduled': 'rescheduling',
  'session.status_terminated': 'terminated',
};

/** Folds events into `state` in place (the harness owns its state) and returns it. */
export function foldEvents(state: BrainState, events: readonly StoredEvent[]): BrainState {
  for (const event of events) {
    if (event.seq <= state.lastSeq) continue;
    foldEvent(state, event);
    state.lastSeq = event.seq;
  }
  return state;
}

export const foldLog = (events: readonly StoredEvent[]) => foldEvents(initialBrainState(), events);

function foldEvent(state: BrainState, event: StoredEvent): void {
  const { data, hidden } = event;
  const status = STATUS[event.type];
  if (status) {
    state.status = status;
    if (event.type === 'session.status_idle') {
      const stop = data['stop_reason'] as { type: string; event_ids?: string[] } | undefined;
      state.lastIdle = { stopReason: stop?.type ?? 'end_turn', eventIds: stop?.event_ids ?? [] };
      if (state.lastIdle.stopReason !== 'requires_action') state.turnOpen = false;
      // Input queued when a turn ends early (interrupt, exhausted retries, budget) stays in the
      // conversation but waits for the user's next message instead of starting a turn by itself.
      if (typeof hidden?.['intake'] === 'number') state.heldThrough = Math.max(state.heldThrough, hidden['intake']);
      // An interrupt answers every call still open (custom tools have no result event of their own).
      if (hidden?.['interrupted'] === true) {
        for (const use of state.openToolUses) {
          state.pendingResults.push({
            type: 'tool_result',
            toolUseId: use.eventId,
            content: [{ type: 'text', text: INTERRUPTED }],
            isError: true,
          });
        }
        state.openToolUses = [];
      }
    } else if (event.type === 'session.status_running') {
      state.lastIdle = null;
    }
  }
  if (typeof hidden?.['intake'] === 'number') state.intakeThrough = Math.max(state.intakeThrough, hidden['intake']);
  const toolKind = TOOL_USE_KINDS[event.type];
  if (toolKind) return foldToolUse(state, event, toolKind);

  switch (event.type) {
    case 'user.message':
    case 'system.message':
      state.lastUserSeq = event.seq;
      // A new message starts a new turn: the turn's breakers start counting afresh.
      if (event.type === 'user.message') {
        state.failingCall = null;
        state.truncatedStreak = 0;
        state.consecutiveModelErrors = 0;
      }
      state.pendingInput.push({ seq: event.seq, type: event.type, content: contentBlocks(data['content']) });
      return;
    case 'user.interrupt':
      state.lastUserSeq = event.seq;
      state.interruptSeq = event.seq;
      return;
    case 'user.tool_confirmation': {
      state.lastUserSeq = event.seq;
      const use = findOpen(state, data['tool_use_id']);
      if (use && !use.confirmation) {
        const result = data['result'] === 'allow' ? 'allow' : 'deny';
        const denyMessage = typeof data['deny_message'] === 'string' ? data['deny_message'] : undefined;
        use.confirmation = denyMessage ? { result, denyMessage } : { result };
      }
      return;
    }
    case 'user.custom_tool_result':
    case 'user.tool_result': {
      state.lastUserSeq = event.seq;
      const id = event.type === 'user.tool_result' ? data['tool_use_id'] : data['custom_tool_use_id'];
      // The client ran the tool: its answer goes to the model like any tool result.
      const index = state.openToolUses.findIndex((use) => use.eventId === id);
      if (index >= 0) {
        state.openToolUses.splice(index, 1);
        const isError = data['is_error'] === true;
        state.pendingResults.push({
          type: 'tool_result',
          toolUseId: String(id),
          content: contentBlocks(data['content']),
          isError,
        });
      }
      return;
    }
    case 'user.define_outcome':
      state.lastUserSeq = event.seq;
      return;
    case 'span.model_request_start':
      return foldRequestStart(state, event);
    case 'agent.thinking':
      if (typeof hidden?.['redacted'] === 'string') {
        state.currentResponse?.content.push({ type: 'redacted_thinking', data: hidden['redacted'] });
        return;
      }
      state.currentResponse?.content.push({
        type: 'thinking',
        thinking: str(hidden?.['thinking']),
        ...(typeof hidden?.['signature'] === 'string' ? { signature: hidden['signature'] } : {}),
        ...(hidden?.['native'] !== undefined ? { native: hidden['native'] } : {}),
      });
      return;
    case 'agent.message':
      state.currentResponse?.content.push(...contentBlocks(data['content']));
      return;
    case 'span.model_request_end':
      return foldRequestEnd(state, event);
    case 'agent.tool_result':
    case 'agent.mcp_tool_result':
      return foldToolResult(state, event);
    case 'agent.thread_context_compacted':
      return foldCompaction(state, event);
    default:
  }
}

function foldRequestStart(state: BrainState, event: StoredEvent): void {
  const intake = typeof event.hidden?.['intake'] === 'number' ? event.hidden['intake'] : state.lastUserSeq;
  state.openRequestStartId = event.id;
  state.turnOpen = true;
  if (event.hidden?.['purpose'] === 'compaction') {
    state.currentResponse = null;
    return;
  }
  state.currentResponse = { requestStartId: event.id, intake, content: [], toolUseIds: [] };
}

/**
 * The user turn a request started now would add: tool results first (the providers require
 * them to open the turn), then queued messages up to `intake`. The context builder and the
 * fold both use this, so the request sent and the conversation replayed cannot differ.
 */
export function userTurnBlocks(state: BrainState, intake: number): ContentBlock[] {
  const blocks: ContentBlock[] = [...state.pendingResults];
  for (const input of state.pendingInput) {
    if (input.seq > intake) continue;
    blocks.push(...(input.type === 'system.message' ? asSystemText(input.content) : input.content));
  }
  return blocks;
}

/**
 * Input moves into the conversation only when a request that took it in succeeds: after a
 * failed or cut-off request it is still pending, so the retry sends exactly the same thing.
 */
function foldRequestEnd(state: BrainState, event: StoredEvent): void {
  const response = state.currentResponse;
  state.currentResponse = null;
  state.openRequestStartId = null;
  // A side request (the compaction summary) is not part of the conversation.
  if (!response) return;
  if (event.data['is_error'] === true) {
    if (event.hidden?.['error_kind'] === 'context_overflow') {
      state.overflowPending = true;
      return;
    }
    state.consecutiveModelErrors += 1;
    state.openToolUses = state.openToolUses.filter((use) => !response.toolUseIds.includes(use.eventId));
    return;
  }
  state.consecutiveModelErrors = 0;
  state.overflowPending = false;
  state.compactedSinceRequest = false;
  const usage = event.data['model_usage'] as Record<string, number> | undefined;
  state.lastPromptTokens =
    (usage?.['input_tokens'] ?? 0) +
    (usage?.['cache_read_input_tokens'] ?? 0) +
    (usage?.['cache_creation_input_tokens'] ?? 0);
  const taken = state.pendingInput.filter((input) => input.seq <= response.intake);
  if (taken.some((input) => input.type === 'user.message')) state.roundsThisTurn = 0;
  state.roundsThisTurn += 1;
  const userBlocks = userTurnBlocks(state, response.intake);
  state.pendingInput = state.pendingInput.filter((input) => input.seq > response.intake);
  state.pendingResults = [];
  if (userBlocks.length > 0) appendTurn(state.turns, { role: 'user', content: userBlocks });
  const stopReason = event.hidden?.['stop_reason'];
  state.continueRequested = stopReason === 'pause_turn';
  const truncated =
    stopReason === 'max_tokens' && state.openToolUses.length === 1 && !!state.openToolUses[0]?.inputError;
  state.truncatedStreak = truncated ? state.truncatedStreak + 1 : 0;
  if (response.content.length > 0) {
    appendTurn(state.turns, { role: 'assistant', content: response.content });
    state.compactionStreak = 0;
  }
}

function foldToolUse(state: BrainState, event: StoredEvent, kind: ToolKind): void {
  const { data, hidden } = event;
  const input = (data['input'] ?? {}) as Record<string, unknown>;
  const name = str(data['name']);
  const use: OpenToolUse = {
    eventId: event.id,
    kind,
    name,
    input,
    permission: kind === 'custom' ? 'allow' : ((data['evaluated_permission'] as Permission | undefined) ?? 'allow'),
  };
  if (typeof hidden?.['input_error'] === 'string') use.inputError = hidden['input_error'];
  if (kind === 'mcp') use.mcpServerName = str(data['mcp_server_name']);
  state.openToolUses.push(use);
  state.currentResponse?.toolUseIds.push(event.id);
  state.currentResponse?.content.push({ type: 'tool_use', id: event.id, name: modelToolName(use), input });
}

function foldToolResult(state: BrainState, event: StoredEvent): void {
  const useId = str(event.data['tool_use_id'] ?? event.data['mcp_tool_use_id']);
  const index = state.openToolUses.findIndex((use) => use.eventId === useId);
  const use = state.openToolUses[index];
  if (index >= 0) state.openToolUses.splice(index, 1);
  const isError = event.data['is_error'] === true;
  state.pendingResults.push({
    type: 'tool_result',
    toolUseId: useId,
    content: contentBlocks(event.data['content']),
    isError,
  });
  const key = use ? `${use.name}\u0000${JSON.stringify(use.input)}` : useId;
  if (!isError) state.failingCall = null;
  else
    state.failingCall =
      state.failingCall?.key === key ? { key, count: state.failingCall.count + 1 } : { key, count: 1 };
}

/**
 * Compaction replaces the conversation before the kept tail with a summary turn; clearing
 * replaces old tool results' content with a placeholder. Both are recorded, so replay agrees.
 */
function foldCompaction(state: BrainState, event: StoredEvent): void {
  const hidden = event.hidden ?? {};
  state.compactionStreak += 1;
  state.compactedSinceRequest = true;
  state.overflowPending = false;
  if (hidden['mode'] === 'clear_tool_results') {
    const keep = Number(hidden['keep_recent'] ?? 0);
    clearOldToolResults(state.turns, keep);
    return;
  }
  const summary = str(hidden['summary']);
  const kept = Number(hidden['kept_turns'] ?? 0);
  const tail = kept > 0 ? state.turns.slice(-kept) : [];
  state.turns = [{ role: 'user', content: [{ type: 'text', text: summaryText(summary) }] }, ...tail];
}

export const summaryText = (summary: string) =>
  `<conversation_summary>\nThe earlier part of this conversation was compacted. Summary:\n${summary}\n</conversation_summary>`;

export const INTERRUPTED = 'The user interrupted this tool call before it finished.';

export const CLEARED_TOOL_RESULT = '[tool result cleared to save context]';

export function clearOldToolResults(turns: Turn[], keepRecent: number): void {
  const positions: Array<[number, number]> = [];
  turns.forEach((turn, t) =>
    turn.content.forEach((block, b) => {
      if (block.type === 'tool_result') positions.push([t, b]);
    }),
  );
  for (const [t, b] of positions.slice(0, Math.max(0, positions.length - keepRecent))) {
    const block = turns[t]?.content[b];
    if (block?.type === 'tool_result') block.content = [{ type: 'text', text: CLEARED_TOOL_RESULT }];
  }
}

function appendTurn(turns: Turn[], turn: Turn): void {
  const last = turns[turns.length - 1];
  if (last && last.role === turn.role) last.content.push(...turn.content);
  else turns.push(turn);
}

function findOpen(state: BrainState, id: unknown): OpenToolUse | undefined {
  return state.openToolUses.find((use) => use.eventId === id);
}

/** MCP tools are named `<server>__<tool>` towards the model, so two servers' tools cannot clash. */
export function modelToolName(use: Pick<OpenToolUse, 'kind' | 'name' | 'mcpServerName'>): string {
  return use.kind === 'mcp' ? `${use.mcpServerName}__${use.name}` : use.name;
}

/** `system.message` is "appended as a role: system turn"; providers without one get it marked. */
function asSystemText(content: ContentBlock[]): ContentBlock[] {
  return content.map((block) =>
    block.type === 'text' ? { type: 'text', text: `<system_message>\n${block.text}\n</system_message>` } : block,
  );
}

/** Public content blocks (text, image, document) as model content blocks. */
export function contentBlocks(content: unknown): ContentBlock[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return [];
  const blocks: ContentBlock[] = [];
  for (const block of content as Array<Record<string, unknown>>) {
    if (block['type'] === 'text') blocks.push({ type: 'text', text: str(block['text']) });
    else if (block['type'] === 'image' && block['source']) {
      blocks.push({ type: 'image', source: block['source'] as Record<string, unknown> });
    } else if (block['type'] === 'document') {
      const title = typeof block['title'] === 'string' ? ` "${block['title']}"` : '';
      const source = block['source'] as Record<string, unknown> | undefined;
      const text =
        source?.['type'] === 'text'
          ? str(source['data'])
          : `[document${title}: ${str(source?.['type'], 'unknown')} source]`;
      blocks.push({ type: 'text', text });
    }
  }
  return blocks;
}

/** A string field of an untyped event payload; anything else reads as `fallback`. */
const str = (value: unknown, fallback = ''): string => (typeof value === 'string' ? value : fallback);
