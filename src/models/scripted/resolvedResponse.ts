import type { ScriptedResponse, ScriptedStopReason } from './scriptTypes.js';

/** A scripted response with every id, signature and count decided, ready to render. */
export type ResolvedBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_use'; id: string; name: string; json: string };

export interface ResolvedUsage {
  /** Uncached input (Anthropic semantics). */
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
}

export interface ResolvedResponse {
  id: string;
  model: string;
  content: ResolvedBlock[];
  stopReason: ScriptedStopReason;
  stopSequence: string | null;
  usage: ResolvedUsage;
}

/** Splits text into pieces of `size` code points (never inside a surrogate pair). */
export function pieces(text: string, size: number): string[] {
  const points = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < points.length; i += size) out.push(points.slice(i, i + size).join(''));
  return out;
}

export function defaultStopReason(response: ScriptedResponse): ScriptedStopReason {
  return response.stopReason ?? (response.content?.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn');
}
