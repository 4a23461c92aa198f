import type {
  CacheControlEphemeral,
  ContentBlockParam,
  MessageCreateParamsStreaming,
  MessageParam,
  TextBlockParam,
  Tool,
} from '@anthropic-ai/sdk/resources/messages/messages';
import type { ContentBlock, ModelRequest, Turn } from '../../core/modelProvider.js';

/** Anthropic accepts at most four cache breakpoints per request. */
const MAX_BREAKPOINTS = 4;
const EPHEMERAL: CacheControlEphemeral = { type: 'ephemeral' };

/**
 * Builds the Messages request. Objects are written field by field in one fixed order so equal
 * requests are equal bytes: the cached prefix (tools → system → messages) only hits when the bytes
 * up to a breakpoint are unchanged.
 */
export function toAnthropicRequest(request: ModelRequest): MessageCreateParamsStreaming {
  const marks = messageBreakpoints(request.messages, MAX_BREAKPOINTS - 1);
  const messages: MessageParam[] = [];
  request.messages.forEach((turn, t) => {
    const content: ContentBlockParam[] = [];
    turn.content.forEach((block, b) => {
      const param = toBlockParam(block, marks.has(`${t}:${b}`));
      if (param) content.push(param);
    });
    if (content.length > 0) messages.push({ role: turn.role, content });
  });

  const system: TextBlockParam[] | undefined =
    request.system === null || request.system === ''
      ? undefined
      : [{ type: 'text', text: request.system, cache_control: EPHEMERAL }];
  const tools: Tool[] | undefined =
    request.tools.length === 0
      ? undefined
      : request.tools.map((tool, i) => ({
          name: tool.name,
          description: tool.description,
          input_schema: tool.inputSchema as Tool['input_schema'],
          ...(system === undefined && i === request.tools.length - 1 ? { cache_control: EPHEMERAL } : {}),
        }));

  return {
    model: request.model,
    max_tokens: request.maxOutputTokens,
    ...(system ? { system } : {}),
    ...(tools ? { tools } : {}),
    messages,
    ...(request.thinking
      ? {
          thinking:
            request.thinking.type === 'enabled'
              ? { type: 'enabled', budget_tokens: request.thinking.budgetTokens }
              : { type: 'adaptive' },
        }
      : {}),
    ...(request.effort ? { output_config: { effort: request.effort } } : {}),
    stream: true,
  };
}

/**
 * Chooses message breakpoints as `turn:block` keys: the last cacheable block of the last turn
 * and of the user turn before it (so the previous step's write stays within the 20-block
 * lookback however many blocks one step appends), plus the blocks marked `cache`; when there are
 * more than `limit`, the latest win.
 */
export function messageBreakpoints(messages: Turn[], limit: number): Set<string> {
  const wanted = new Set<string>();
  messages.forEach((turn, t) =>
    turn.content.forEach((block, b) => {
      if ('cache' in block && block.cache === true && isCacheable(block)) wanted.add(`${t}:${b}`);
    }),
  );
  const last = messages.length - 1;
  const lastKey = lastCacheable(messages[last], last);
  if (lastKey) wanted.add(lastKey);
  for (let t = last - 1; t >= 0; t--) {
    if (messages[t]?.role !== 'user') continue;
    const key = lastCacheable(messages[t], t);
    if (key) wanted.add(key);
    break;
  }
  const latestFirst = [...wanted].sort((a, b) => compareKeys(b, a));
  return new Set(latestFirst.slice(0, limit));
}

function lastCacheable(turn: Turn | undefined, t: number): string | undefined {
  if (!turn) return undefined;
  for (let b = turn.content.length - 1; b >= 0; b--) {
    const block = turn.content[b];
    if (block && isCacheable(block)) return `${t}:${b}`;
  }
  return undefined;
}

function isCacheable(block: ContentBlock): boolean {
  return block.type !== 'thinking' && block.type !== 'redacted_thinking';
}

function compareKeys(a: string, b: string): number {
  const [at = 0, ab = 0] = a.split(':').map(Number);
  const [bt = 0, bb = 0] = b.split(':').map(Number);
  return at - bt || ab - bb;
}

function toBlockParam(block: ContentBlock, cache: boolean): ContentBlockParam | undefined {
  const cacheControl = cache ? { cache_control: EPHEMERAL } : {};
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text, ...cacheControl };
    case 'image':
      return { type: 'image', source: block.source as never, ...cacheControl };
    case 'thinking':
      if (block.native !== undefined && block.native !== null) return block.native as ContentBlockParam;
      // Unsigned thinking comes from another provider; Anthropic rejects it.
      if (!block.signature) return undefined;
      return { type: 'thinking', thinking: block.thinking, signature: block.signature };
    case 'redacted_thinking':
      return { type: 'redacted_thinking', data: block.data };
    case 'tool_use':
      return {
        type: 'tool_use',
        id: block.id,
        name: block.name,
        input: block.inputError ? {} : block.input,
        ...cacheControl,
      };
    case 'tool_result': {
      const content = block.content.flatMap((inner) => {
        const param = toBlockParam(inner, false);
        return param && (param.type === 'text' || param.type === 'image') ? [param] : [];
      });
      return {
        type: 'tool_result',
        tool_use_id: block.toolUseId,
        ...(content.length > 0 ? { content } : {}),
        ...(block.isError ? { is_error: true } : {}),
        ...cacheControl,
      };
    }
  }
}
