import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { ModelError, type ModelEvent, type StopReason, type Usage } from '../../core/modelProvider.js';
import { parseToolInput } from '../toolInput.js';

/** Reasoning servers (vLLM, llama.cpp, Ollama, DeepSeek) add a thinking field the SDK's types lack. */
type Delta = ChatCompletionChunk.Choice.Delta & { reasoning_content?: string | null; reasoning?: string | null };

interface PendingToolCall {
  id: string;
  name: string;
  args: string;
}

/**
 * Synthesises Anthropic-style blocks from Chat Completions chunks: reasoning → thinking (no
 * signature), content → text, each `tool_calls[index]` → tool_use. Text and thinking stream
 * live; tool calls, whose fragments may interleave, are emitted whole when the stream ends.
 */
export class OpenAIEventMapper {
  #started = false;
  #nextIndex = 0;
  #open: { kind: 'text' | 'thinking'; index: number; text: string } | null = null;
  readonly #toolCalls = new Map<number, PendingToolCall>();
  #finish: string | null = null;
  #refused = false;
  #usage: Usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };

  constructor(private readonly requestId: string | null) {}

  map(chunk: ChatCompletionChunk): ModelEvent[] {
    const events: ModelEvent[] = [];
    if (!this.#started) {
      this.#started = true;
      events.push({ type: 'response_start', messageId: chunk.id ?? null, requestId: this.requestId });
    }
    if (chunk.usage) this.#usage = usageOf(chunk.usage);
    const choice = chunk.choices?.[0];
    if (!choice) return events;
    const delta = (choice.delta ?? {}) as Delta;
    const reasoning = delta.reasoning_content ?? delta.reasoning;
    if (reasoning) events.push(...this.#append('thinking', reasoning));
    if (delta.content) events.push(...this.#append('text', delta.content));
    if (delta.refusal) {
      this.#refused = true;
      events.push(...this.#append('text', delta.refusal));
    }
    for (const call of delta.tool_calls ?? []) {
      events.push(...this.#close());
      const pending = this.#toolCalls.get(call.index) ?? { id: '', name: '', args: '' };
      if (call.id) pending.id = call.id;
      if (call.function?.name) pending.name = call.function.name;
      pending.args += call.function?.arguments ?? '';
      this.#toolCalls.set(call.index, pending);
    }
    if (choice.finish_reason) this.#finish = choice.finish_reason;
    return events;
  }

  /** Closes every block and reports the stop, once the stream has ended (usage follows the finish chunk). */
  finish(): ModelEvent[] {
    if (!this.#started || this.#finish === null) {
      throw new ModelError('network', 'the model stream ended without a finish_reason');
    }
    const events = this.#close();
    const calls = [...this.#toolCalls.entries()].sort(([a], [b]) => a - b);
    for (const [position, call] of calls) {
      const index = this.#nextIndex++;
      const id = call.id || `call_${position}`;
      events.push(
        { type: 'block_start', index, kind: 'tool_use', toolUseId: id, toolName: call.name },
        { type: 'block_stop', index, block: { type: 'tool_use', id, name: call.name, ...parseToolInput(call.args) } },
      );
    }
    events.push({ type: 'response_stop', stopReason: this.#stopReason(), usage: this.#usage });
    return events;
  }

  #append(kind: 'text' | 'thinking', text: string): ModelEvent[] {
    const events: ModelEvent[] = [];
    if (this.#open?.kind !== kind) {
      events.push(...this.#close());
      this.#open = { kind, index: this.#nextIndex++, text: '' };
      events.push({ type: 'block_start', index: this.#open.index, kind });
    }
    this.#open.text += text;
    events.push({ type: kind === 'text' ? 'text_delta' : 'thinking_delta', index: this.#open.index, text });
    return events;
  }

  #close(): ModelEvent[] {
    const open = this.#open;
    if (!open) return [];
    this.#open = null;
    const block =
      open.kind === 'text'
        ? { type: 'text' as const, text: open.text }
        : { type: 'thinking' as const, thinking: open.text };
    return [{ type: 'block_stop', index: open.index, block }];
  }

  #stopReason(): StopReason {
    if (this.#finish === 'length') return 'max_tokens';
    if (this.#finish === 'content_filter' || this.#refused) return 'refusal';
    // Some local servers say `stop` after tool calls.
    if (this.#finish === 'tool_calls' || this.#finish === 'function_call' || this.#toolCalls.size > 0)
      return 'tool_use';
    return 'end_turn';
  }
}

/** `prompt_tokens` includes cached (and cache-written) tokens; our usage counts them apart. */
function usageOf(usage: NonNullable<ChatCompletionChunk['usage']>): Usage {
  const details = (usage.prompt_tokens_details ?? {}) as { cached_tokens?: number; cache_write_tokens?: number };
  const cacheRead = details.cached_tokens ?? 0;
  const cacheWrite = details.cache_write_tokens ?? 0;
  return {
    inputTokens: Math.max(0, usage.prompt_tokens - cacheRead - cacheWrite),
    outputTokens: usage.completion_tokens,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
  };
}
