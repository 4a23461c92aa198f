import type {
  ChatCompletionContentPart,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
  ChatCompletionMessageToolCall,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import type { ContentBlock, ModelRequest, Turn } from '../../core/modelProvider.js';

export interface OpenAIRequestOptions {
  /** OpenAI's reasoning models need `max_completion_tokens`; older local servers know only `max_tokens`. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
  /** Send `prompt_cache_key` (OpenAI routes it to a warm cache; other servers may reject unknown fields). */
  sendCacheKey: boolean;
}

/**
 * Builds the Chat Completions request, fields in one fixed order so equal requests are equal
 * bytes (OpenAI and vLLM/llama.cpp reuse a byte-identical prefix). Thinking is not sent back:
 * Chat Completions has no input field for it.
 */
export function toOpenAIRequest(
  request: ModelRequest,
  options: OpenAIRequestOptions,
): ChatCompletionCreateParamsStreaming {
  const messages: ChatCompletionMessageParam[] = [];
  if (request.system) messages.push({ role: 'system', content: request.system });
  for (const turn of request.messages)
    messages.push(...(turn.role === 'user' ? userMessages(turn) : assistantMessages(turn)));
  const tools: ChatCompletionTool[] = request.tools.map((tool) => ({
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.inputSchema },
  }));
  return {
    model: request.model,
    messages,
    ...(tools.length > 0 ? { tools } : {}),
    ...(options.maxTokensField === 'max_tokens'
      ? { max_tokens: request.maxOutputTokens }
      : { max_completion_tokens: request.maxOutputTokens }),
    stream: true,
    stream_options: { include_usage: true },
    ...(options.sendCacheKey && request.cacheKey ? { prompt_cache_key: request.cacheKey } : {}),
  };
}

/** Tool results become `tool` messages (they must directly follow the assistant's calls); the rest one user message. */
function userMessages(turn: Turn): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [];
  const parts: ChatCompletionContentPart[] = [];
  for (const block of turn.content) {
    if (block.type === 'tool_result') {
      const text = block.content.flatMap((inner) => (inner.type === 'text' ? [inner.text] : [])).join('\n');
      out.push({ role: 'tool', tool_call_id: block.toolUseId, content: block.isError ? `Error: ${text}` : text });
      // Tool messages carry text only; images a tool returned follow in the user message.
      parts.push(...block.content.flatMap(imagePart));
    } else if (block.type === 'text') {
      parts.push({ type: 'text', text: block.text });
    } else {
      parts.push(...imagePart(block));
    }
  }
  if (parts.length === 1 && parts[0]?.type === 'text') out.push({ role: 'user', content: parts[0].text });
  else if (parts.length > 0) out.push({ role: 'user', content: parts });
  return out;
}

function assistantMessages(turn: Turn): ChatCompletionMessageParam[] {
  const text = turn.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');
  const toolCalls: ChatCompletionMessageToolCall[] = turn.content.flatMap((block) =>
    block.type === 'tool_use'
      ? [
          {
            id: block.id,
            type: 'function' as const,
            // Malformed input goes back as the model wrote it, next to the tool's error result.
            function: {
              name: block.name,
              arguments: block.inputError ? block.inputError.raw : JSON.stringify(block.input),
            },
          },
        ]
      : [],
  );
  if (toolCalls.length === 0 && text === '') return [];
  return [
    toolCalls.length === 0
      ? { role: 'assistant', content: text }
      : { role: 'assistant', content: text === '' ? null : text, tool_calls: toolCalls },
  ];
}

function imagePart(block: ContentBlock): ChatCompletionContentPart[] {
  if (block.type !== 'image') return [];
  const source = block.source;
  const url =
    source['type'] === 'base64'
      ? `data:${String(source['media_type'])};base64,${String(source['data'])}`
      : typeof source['url'] === 'string'
        ? source['url']
        : undefined;
  return url ? [{ type: 'image_url', image_url: { url } }] : [];
}
