import type { Json, RequestView, ViewToolResult } from './scriptTypes.js';

type JsonObject = { [key: string]: Json };

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asArray(value: Json | undefined): Json[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: Json | undefined): string {
  return typeof value === 'string' ? value : '';
}

/** The text of a string-or-blocks content field (Anthropic blocks and OpenAI parts alike). */
export function contentText(content: Json | undefined): string {
  if (typeof content === 'string') return content;
  return asArray(content)
    .filter(isObject)
    .filter((part) => part['type'] === 'text')
    .map((part) => asString(part['text']))
    .join('\n');
}

export function viewOf(protocol: 'anthropic' | 'openai', body: JsonObject): RequestView {
  return protocol === 'anthropic' ? anthropicView(body) : openaiView(body);
}

function anthropicView(body: JsonObject): RequestView {
  const messages = asArray(body['messages']).filter(isObject);
  const last = { text: '', toolResults: [] as ViewToolResult[] };
  const texts: string[] = [];
  for (let i = lastAssistant(messages) + 1; i < messages.length; i++) {
    const content = messages[i]?.['content'];
    if (typeof content === 'string') texts.push(content);
    for (const block of asArray(content).filter(isObject)) {
      if (block['type'] === 'text') texts.push(asString(block['text']));
      if (block['type'] === 'tool_result') {
        last.toolResults.push({
          toolUseId: asString(block['tool_use_id']),
          text: contentText(block['content']),
          isError: block['is_error'] === true,
        });
      }
    }
  }
  last.text = texts.join('\n');
  return {
    model: asString(body['model']),
    system: contentText(body['system']),
    toolNames: asArray(body['tools'])
      .filter(isObject)
      .map((tool) => asString(tool['name'])),
    assistantTurns: messages.filter((m) => m['role'] === 'assistant').length,
    last,
  };
}

function openaiView(body: JsonObject): RequestView {
  const messages = asArray(body['messages']).filter(isObject);
  const system = messages
    .filter((m) => m['role'] === 'system' || m['role'] === 'developer')
    .map((m) => contentText(m['content']))
    .join('\n');
  const last = { text: '', toolResults: [] as ViewToolResult[] };
  const texts: string[] = [];
  for (let i = lastAssistant(messages) + 1; i < messages.length; i++) {
    const message = messages[i];
    if (message?.['role'] === 'user') texts.push(contentText(message['content']));
    if (message?.['role'] === 'tool') {
      last.toolResults.push({
        toolUseId: asString(message['tool_call_id']),
        text: contentText(message['content']),
        isError: false,
      });
    }
  }
  last.text = texts.join('\n');
  return {
    model: asString(body['model']),
    system,
    toolNames: asArray(body['tools'])
      .filter(isObject)
      .map((tool) => (isObject(tool['function']) ? asString(tool['function']['name']) : '')),
    assistantTurns: messages.filter((m) => m['role'] === 'assistant').length,
    last,
  };
}

function lastAssistant(messages: JsonObject[]): number {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]?.['role'] === 'assistant') return i;
  return -1;
}
