import { pieces, type ResolvedBlock, type ResolvedResponse } from './resolvedResponse.js';

/** SSE frames of one Messages stream (model-wire.md §1.2–1.3); `event:` lines are mandatory. */
export function anthropicFrames(response: ResolvedResponse): { frames: string[]; firstContent: number } {
  const frames = [
    frame('message_start', { type: 'message_start', message: shell(response, [], true) }),
    frame('ping', { type: 'ping' }),
  ];
  const firstContent = frames.length;
  response.content.forEach((block, index) => frames.push(...blockFrames(block, index)));
  const u = response.usage;
  frames.push(
    frame('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: response.stopReason, stop_sequence: response.stopSequence },
      usage: {
        input_tokens: u.input,
        cache_creation_input_tokens: u.cacheWrite,
        cache_read_input_tokens: u.cacheRead,
        output_tokens: u.output,
      },
    }),
    frame('message_stop', { type: 'message_stop' }),
  );
  return { frames, firstContent };
}

/** The complete message of a non-streaming answer (§1.6). */
export function anthropicMessage(response: ResolvedResponse): object {
  const content = response.content.map((block) => {
    switch (block.type) {
      case 'text':
        return { type: 'text', text: block.text };
      case 'thinking':
        return { type: 'thinking', thinking: block.thinking, signature: block.signature };
      case 'redacted_thinking':
        return { type: 'redacted_thinking', data: block.data };
      case 'tool_use':
        return { type: 'tool_use', id: block.id, name: block.name, input: parseOrEmpty(block.json) };
    }
  });
  return shell(response, content, false);
}

export function anthropicError(type: string, message: string, requestId: string): object {
  return { type: 'error', error: { type, message }, request_id: requestId };
}

export function anthropicStreamError(type: string, message: string): string {
  return frame('error', { type: 'error', error: { type, message } });
}

export function anthropicErrorType(status: number): string {
  const types: Record<number, string> = {
    400: 'invalid_request_error',
    401: 'authentication_error',
    402: 'billing_error',
    403: 'permission_error',
    404: 'not_found_error',
    413: 'request_too_large',
    429: 'rate_limit_error',
    504: 'timeout_error',
    529: 'overloaded_error',
  };
  return types[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

function shell(response: ResolvedResponse, content: object[], start: boolean): object {
  const u = response.usage;
  return {
    id: response.id,
    type: 'message',
    role: 'assistant',
    model: response.model,
    content,
    stop_reason: start ? null : response.stopReason,
    stop_sequence: start ? null : response.stopSequence,
    usage: {
      input_tokens: u.input,
      output_tokens: start ? 1 : u.output,
      cache_creation_input_tokens: u.cacheWrite,
      cache_read_input_tokens: u.cacheRead,
      cache_creation: { ephemeral_5m_input_tokens: u.cacheWrite, ephemeral_1h_input_tokens: 0 },
      service_tier: 'standard',
    },
  };
}

function blockFrames(block: ResolvedBlock, index: number): string[] {
  const start = (content_block: object): string =>
    frame('content_block_start', { type: 'content_block_start', index, content_block });
  const delta = (d: object): string => frame('content_block_delta', { type: 'content_block_delta', index, delta: d });
  const stop = frame('content_block_stop', { type: 'content_block_stop', index });
  switch (block.type) {
    case 'text':
      return [
        start({ type: 'text', text: '' }),
        ...pieces(block.text, 16).map((text) => delta({ type: 'text_delta', text })),
        stop,
      ];
    case 'thinking':
      return [
        start({ type: 'thinking', thinking: '', signature: '' }),
        ...pieces(block.thinking, 16).map((thinking) => delta({ type: 'thinking_delta', thinking })),
        delta({ type: 'signature_delta', signature: block.signature }),
        stop,
      ];
    case 'redacted_thinking':
      return [start({ type: 'redacted_thinking', data: block.data }), stop];
    case 'tool_use':
      return [
        start({ type: 'tool_use', id: block.id, name: block.name, input: {} }),
        delta({ type: 'input_json_delta', partial_json: '' }),
        ...pieces(block.json, 7).map((partial_json) => delta({ type: 'input_json_delta', partial_json })),
        stop,
      ];
  }
}

function frame(event: string, data: object): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function parseOrEmpty(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return {};
  }
}
