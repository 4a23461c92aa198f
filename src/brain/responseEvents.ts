import type { BetaManagedAgentsSessionAgent } from '@anthropic-ai/sdk/resources/beta/sessions/sessions.js';
import type { ContentBlock, ModelEvent } from '../core/modelProvider.js';
import type { PreviewEvent } from '../core/previews.js';
import type { NewEvent } from '../core/sessionLog.js';
import { newId } from '../protocol/ids.js';
import { parseMcpToolName } from './mcpTools.js';
import { evaluatePermission } from './permissions.js';

/**
 * Turns one model response into the log's events, in block order, and emits previews as the
 * blocks stream. Event ids are chosen when a block starts, so a preview's `event_start` id is
 * the id of the buffered event that later closes it. Consecutive text blocks form one
 * `agent.message`; a delta's `index` counts within that message's content, from 0.
 */
export class ResponseAssembler {
  readonly events: NewEvent[] = [];
  private message: { id: string; content: Array<{ type: 'text'; text: string }> } | null = null;
  private readonly blockTarget = new Map<number, { messageId: string; index: number } | 'thinking' | 'tool'>();
  private readonly thinkingIds = new Map<number, string>();

  constructor(
    private readonly agent: BetaManagedAgentsSessionAgent,
    private readonly requestStartId: string,
    private readonly preview: (event: PreviewEvent) => void,
  ) {}

  onEvent(event: ModelEvent): void {
    if (event.type === 'block_start') this.startBlock(event);
    else if (event.type === 'text_delta') {
      const target = this.blockTarget.get(event.index);
      if (target && typeof target === 'object') {
        this.preview({
          type: 'event_delta',
          event_id: target.messageId,
          delta: { type: 'content_delta', content: { type: 'text', text: event.text }, index: target.index },
        });
      }
    } else if (event.type === 'block_stop') this.stopBlock(event.index, event.block);
  }

  private startBlock(event: Extract<ModelEvent, { type: 'block_start' }>): void {
    if (event.kind === 'text') {
      if (!this.message) {
        this.message = { id: newId('event'), content: [] };
        this.preview({ type: 'event_start', event: { id: this.message.id, type: 'agent.message' } });
      }
      this.blockTarget.set(event.index, { messageId: this.message.id, index: this.message.content.length });
      this.message.content.push({ type: 'text', text: '' });
      return;
    }
    this.closeMessage();
    if (event.kind === 'thinking' || event.kind === 'redacted_thinking') {
      const id = newId('event');
      this.thinkingIds.set(event.index, id);
      this.blockTarget.set(event.index, 'thinking');
      this.preview({ type: 'event_start', event: { id, type: 'agent.thinking' } });
    } else {
      this.blockTarget.set(event.index, 'tool');
    }
  }

  private stopBlock(index: number, block: ContentBlock): void {
    const target = this.blockTarget.get(index);
    if (block.type === 'text' && target && typeof target === 'object' && this.message) {
      const slot = this.message.content[target.index];
      if (slot) slot.text = block.text;
      return;
    }
    if (block.type === 'thinking' || block.type === 'redacted_thinking') {
      this.closeMessage();
      const id = this.thinkingIds.get(index) ?? newId('event');
      // Kept in full, off the public API: Anthropic requires thinking blocks back, signature and all.
      const hidden: Record<string, unknown> =
        block.type === 'thinking'
          ? { thinking: block.thinking, request: this.requestStartId }
          : { redacted: block.data, request: this.requestStartId };
      if (block.type === 'thinking' && block.signature !== undefined) hidden['signature'] = block.signature;
      if (block.type === 'thinking' && block.native !== undefined) hidden['native'] = block.native;
      this.events.push({ id, type: 'agent.thinking', data: {}, hidden });
      return;
    }
    if (block.type === 'tool_use') {
      this.closeMessage();
      this.events.push(this.toolUseEvent(block));
    }
  }

  private toolUseEvent(block: Extract<ContentBlock, { type: 'tool_use' }>): NewEvent {
    const inputError = block.inputError
      ? `The tool input was not valid JSON (${block.inputError.message}); the call was not run. Send the complete input again.`
      : undefined;
    const input = isObject(block.input) ? block.input : {};
    const hidden: Record<string, unknown> = { request: this.requestStartId, model_tool_use_id: block.id };
    if (inputError) hidden['input_error'] = inputError;
    else if (!isObject(block.input)) hidden['input_error'] = 'Tool input must be a JSON object.';
    const custom = this.agent.tools.some((tool) => tool.type === 'custom' && tool.name === block.name);
    if (custom) return { type: 'agent.custom_tool_use', data: { name: block.name, input }, hidden };
    const mcp = parseMcpToolName(this.agent, block.name);
    if (mcp) {
      const { permission, evaluation } = evaluatePermission(this.agent, 'mcp', mcp.tool, mcp.server);
      return {
        type: 'agent.mcp_tool_use',
        data: { mcp_server_name: mcp.server, name: mcp.tool, input, evaluated_permission: permission, evaluation },
        hidden,
      };
    }
    const known = this.agent.tools.some(
      (tool) =>
        tool.type === 'agent_toolset_20260401' &&
        (tool.configs as unknown as Array<{ name: string; enabled: boolean }>).some(
          (c) => c.name === block.name && c.enabled,
        ),
    );
    if (!known && !hidden['input_error'])
      hidden['input_error'] = `Unknown tool: ${block.name}. Use one of the tools provided.`;
    const { permission, evaluation } = evaluatePermission(this.agent, 'builtin', block.name);
    return {
      type: 'agent.tool_use',
      data: { name: block.name, input, evaluated_permission: permission, evaluation },
      hidden,
    };
  }

  private closeMessage(): void {
    if (!this.message) return;
    this.events.push({ id: this.message.id, type: 'agent.message', data: { content: this.message.content } });
    this.message = null;
  }

  /** The response's events, in block order. */
  finish(): NewEvent[] {
    this.closeMessage();
    return this.events;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
