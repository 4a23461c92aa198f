import type { ModelRequest, Turn } from '../core/modelProvider.js';
import type { BrainState } from './state.js';

export const SUMMARY_PROMPT = [
  'The conversation above is getting too long for the context window. Write a summary that lets you',
  "continue the task without the original messages. Include: the user's goals and constraints, decisions",
  'made, files and commands touched with their important results, errors met and how they were resolved,',
  'what is done, and the exact next steps. Do not call tools; answer with the summary text only.',
].join(' ');

/**
 * Where to cut: keep the last assistant turn and what follows it verbatim (its tool calls
 * stay next to their results), summarise everything before. Null when there is nothing to
 * summarise.
 */
export function splitForSummary(turns: readonly Turn[]): { older: Turn[]; keptTurns: number } | null {
  for (let i = turns.length - 1; i > 0; i--) {
    if (turns[i]?.role === 'assistant') {
      const older = turns.slice(0, i);
      return older.length > 0 ? { older, keptTurns: turns.length - i } : null;
    }
  }
  return turns.length > 0 ? { older: [...turns], keptTurns: 0 } : null;
}

/** The side request that produces the summary: same system prompt and tools, so the cached prefix is reused. */
export function summaryRequest(base: ModelRequest, older: readonly Turn[]): ModelRequest {
  const messages: Turn[] = older.map((turn) => ({ role: turn.role, content: [...turn.content] }));
  const last = messages[messages.length - 1];
  const prompt = { type: 'text' as const, text: SUMMARY_PROMPT };
  if (last?.role === 'user') last.content.push(prompt);
  else messages.push({ role: 'user', content: [prompt] });
  return { ...base, messages };
}

export const hasSummarisableTurns = (state: BrainState) => splitForSummary(state.turns) !== null;
