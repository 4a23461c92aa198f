import { asArray, asString, isObject } from './requestView.js';
import type { Json } from './scriptTypes.js';

type JsonObject = { [key: string]: Json };

/**
 * The history mistakes real APIs reject with a 400 (model-wire.md §1.8): an unanswered tool
 * call, a tool result for no call, a thinking block whose signature the server never issued.
 * Returns the error message, or null when the conversation is well formed.
 */
export function checkAnthropicConversation(body: JsonObject, issuedSignatures: ReadonlySet<string>): string | null {
  const messages = asArray(body['messages']).filter(isObject);
  let pending: string[] = [];
  for (const [i, message] of messages.entries()) {
    const blocks = asArray(message['content']).filter(isObject);
    if (message['role'] === 'user') {
      const results = blocks.filter((b) => b['type'] === 'tool_result').map((b) => asString(b['tool_use_id']));
      const missing = pending.filter((id) => !results.includes(id));
      if (missing.length > 0) {
        return `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
      }
      const stray = results.filter((id) => !pending.includes(id));
      if (stray.length > 0) {
        return `messages.${i}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${stray.join(', ')}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
      }
      pending = [];
    } else if (message['role'] === 'assistant') {
      for (const [j, block] of blocks.entries()) {
        if (block['type'] === 'thinking' && !issuedSignatures.has(asString(block['signature']))) {
          return `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`;
        }
      }
      pending = blocks.filter((b) => b['type'] === 'tool_use').map((b) => asString(b['id']));
    }
  }
  return null;
}

export function checkOpenAIConversation(body: JsonObject): string | null {
  const messages = asArray(body['messages']).filter(isObject);
  let pending: string[] = [];
  for (const message of messages) {
    if (message['role'] === 'tool') {
      const id = asString(message['tool_call_id']);
      if (!pending.includes(id)) {
        return "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.";
      }
      pending = pending.filter((p) => p !== id);
      continue;
    }
    if (pending.length > 0) {
      return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${pending.join(', ')}`;
    }
    if (message['role'] === 'assistant') {
      pending = asArray(message['tool_calls'])
        .filter(isObject)
        .map((call) => asString(call['id']));
    }
  }
  return null;
}
