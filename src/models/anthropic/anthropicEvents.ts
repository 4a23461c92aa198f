import type {
  ContentBlock as AnthropicBlock,
  RawContentBlockDelta,
  RawMessageStreamEvent,
  Usage as AnthropicUsage,
} from '@anthropic-ai/sdk/resources/messages/messages';
import { ModelError, type ModelEvent, type StopReason, type Usage } from '../../core/modelProvider.js';
import { parseToolInput } from '../toolInput.js';

type OpenBlock =
  | { kind: 'text'; text: string }
  | { kind: 'thinking'; thinking: string; signature: string }
  | { kind: 'redacted_thinking'; data: string }
  | { kind: 'tool_use'; id: string; name: string; json: string };

const STOP_REASONS: ReadonlySet<string> = new Set<StopReason>([
  'end_turn',
  'tool_use',
  'max_tokens',
  'stop_sequence',
  'refusal',
  'pause_turn',
  'model_context_window_exceeded',
]);

/**
 * Folds raw Messages stream events into port events. Blocks of kinds the port does not carry
 * (server tools, citations) are skipped; their indexes stay unused.
 */
export class AnthropicEventMapper {
  readonly #blocks = new Map<number, OpenBlock>();
  #usage: Usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  #stopReason: StopReason = 'end_turn';
  #started = false;
  #stopped = false;

  constructor(private readonly requestId: string | null) {}

  get stopped(): boolean {
    return this.#stopped;
  }

  /** The stop came with `message_stop`; a stream that ended without one was cut off. */
  finish(): ModelEvent[] {
    if (!this.#stopped) throw new ModelError('network', 'the model stream ended before message_stop');
    return [];
  }

  map(event: RawMessageStreamEvent): ModelEvent[] {
    switch (event.type) {
      case 'message_start':
        if (this.#started) throw new ModelError('server', 'second message_start in one stream');
        this.#started = true;
        this.#mergeUsage(event.message.usage);
        return [{ type: 'response_start', messageId: event.message.id, requestId: this.requestId }];
      case 'content_block_start':
        return this.#start(event.index, event.content_block);
      case 'content_block_delta':
        return this.#delta(event.index, event.delta);
      case 'content_block_stop':
        return this.#stop(event.index);
      case 'message_delta':
        this.#mergeUsage(event.usage);
        if (event.delta.stop_reason) this.#stopReason = stopReasonOf(event.delta.stop_reason);
        return [];
      case 'message_stop':
        this.#stopped = true;
        return [{ type: 'response_stop', stopReason: this.#stopReason, usage: { ...this.#usage } }];
      default:
        return [];
    }
  }

  #start(index: number, block: AnthropicBlock): ModelEvent[] {
    switch (block.type) {
      case 'text':
        this.#blocks.set(index, { kind: 'text', text: block.text ?? '' });
        return [{ type: 'block_start', index, kind: 'text' }];
      case 'thinking':
        this.#blocks.set(index, { kind: 'thinking', thinking: block.thinking ?? '', signature: block.signature ?? '' });
        return [{ type: 'block_start', index, kind: 'thinking' }];
      case 'redacted_thinking':
        this.#blocks.set(index, { kind: 'redacted_thinking', data: block.data });
        return [{ type: 'block_start', index, kind: 'redacted_thinking' }];
      case 'tool_use':
        this.#blocks.set(index, { kind: 'tool_use', id: block.id, name: block.name, json: '' });
        return [{ type: 'block_start', index, kind: 'tool_use', toolUseId: block.id, toolName: block.name }];
      default:
        return [];
    }
  }

  #delta(index: number, delta: RawContentBlockDelta): ModelEvent[] {
    const block = this.#blocks.get(index);
    if (delta.type === 'text_delta' && block?.kind === 'text') {
      block.text += delta.text;
      return [{ type: 'text_delta', index, text: delta.text }];
    }
    if (delta.type === 'thinking_delta' && block?.kind === 'thinking') {
      block.thinking += delta.thinking;
      return [{ type: 'thinking_delta', index, text: delta.thinking }];
    }
    // The signature is sent once and replaces, never appends.
    if (delta.type === 'signature_delta' && block?.kind === 'thinking') block.signature = delta.signature;
    if (delta.type === 'input_json_delta' && block?.kind === 'tool_use') block.json += delta.partial_json;
    return [];
  }

  #stop(index: number): ModelEvent[] {
    const block = this.#blocks.get(index);
    if (!block) return [];
    this.#blocks.delete(index);
    switch (block.kind) {
      case 'text':
        return [{ type: 'block_stop', index, block: { type: 'text', text: block.text } }];
      case 'thinking':
        return [
          {
            type: 'block_stop',
            index,
            block: {
              type: 'thinking',
              thinking: block.thinking,
              ...(block.signature ? { signature: block.signature } : {}),
            },
          },
        ];
      case 'redacted_thinking':
        return [{ type: 'block_stop', index, block: { type: 'redacted_thinking', data: block.data } }];
      case 'tool_use':
        return [
          {
            type: 'block_stop',
            index,
            block: { type: 'tool_use', id: block.id, name: block.name, ...parseToolInput(block.json) },
          },
        ];
    }
  }

  /** message_start carries the first counts; message_delta's non-null fields are totals that replace them. */
  #mergeUsage(usage: Partial<Record<keyof AnthropicUsage, unknown>>): void {
    const pick = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback);
    this.#usage = {
      inputTokens: pick(usage.input_tokens, this.#usage.inputTokens),
      outputTokens: pick(usage.output_tokens, this.#usage.outputTokens),
      cacheReadTokens: pick(usage.cache_read_input_tokens, this.#usage.cacheReadTokens),
      cacheWriteTokens: pick(usage.cache_creation_input_tokens, this.#usage.cacheWriteTokens),
    };
  }
}

function stopReasonOf(reason: string): StopReason {
  return STOP_REASONS.has(reason) ? (reason as StopReason) : 'end_turn';
}
