import { pieces, type ResolvedResponse } from './resolvedResponse.js';
import type { ScriptedResponse, ScriptedStopReason } from './scriptTypes.js';

type ToolBlock = Extract<ResolvedResponse['content'][number], { type: 'tool_use' }>;

/** Data-only SSE frames of one Chat Completions stream (model-wire.md §2.2–2.6), ending in [DONE]. */
export function openaiFrames(
  response: ResolvedResponse,
  options: ScriptedResponse['openai'] & { includeUsage: boolean },
): { frames: string[]; firstContent: number } {
  const created = 1_764_000_000;
  const chunk = (delta: object, finish: string | null = null): string =>
    data({
      id: response.id,
      object: 'chat.completion.chunk',
      created,
      model: response.model,
      system_fingerprint: 'fp_scripted',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
  const frames = [chunk({ role: 'assistant', content: '' })];
  const firstContent = frames.length;
  const reasoningField = options.reasoningField ?? 'reasoning_content';
  const tools: ToolBlock[] = [];
  for (const block of response.content) {
    if (block.type === 'thinking')
      frames.push(...pieces(block.thinking, 16).map((t) => chunk({ [reasoningField]: t })));
    if (block.type === 'text') frames.push(...pieces(block.text, 16).map((content) => chunk({ content })));
    if (block.type === 'tool_use') tools.push(block);
  }
  frames.push(...toolCallDeltas(tools, options.toolCalls ?? 'fragments').map((tool_calls) => chunk({ tool_calls })));
  frames.push(chunk({}, finishReason(response.stopReason)));
  if (options.includeUsage) {
    frames.push(
      data({
        id: response.id,
        object: 'chat.completion.chunk',
        created,
        model: response.model,
        system_fingerprint: 'fp_scripted',
        choices: [],
        usage: usageOf(response),
      }),
    );
  }
  frames.push('data: [DONE]\n\n');
  return { frames, firstContent };
}

/** The complete answer of a non-streaming request (§2.8). */
export function openaiCompletion(response: ResolvedResponse): object {
  const text = response.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
  const reasoning = response.content.flatMap((b) => (b.type === 'thinking' ? [b.thinking] : [])).join('');
  const toolCalls = response.content.flatMap((b) =>
    b.type === 'tool_use' ? [{ id: b.id, type: 'function', function: { name: b.name, arguments: b.json } }] : [],
  );
  return {
    id: response.id,
    object: 'chat.completion',
    created: 1_764_000_000,
    model: response.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text === '' && toolCalls.length > 0 ? null : text,
          ...(reasoning ? { reasoning_content: reasoning } : {}),
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: finishReason(response.stopReason),
      },
    ],
    usage: usageOf(response),
  };
}

export function openaiError(message: string, type: string, code: string | null): object {
  return { error: { message, type, param: null, code } };
}

export function openaiStreamError(message: string, code: string): string {
  return data({ error: { message, type: 'server_error', code } });
}

export function openaiErrorType(status: number): string {
  if (status === 401) return 'invalid_authentication';
  if (status === 429) return 'rate_limit_exceeded';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function toolCallDeltas(tools: ToolBlock[], style: 'fragments' | 'whole' | 'interleaved'): object[][] {
  const head = (tool: ToolBlock, index: number, args: string): object => ({
    index,
    id: tool.id,
    type: 'function',
    function: { name: tool.name, arguments: args },
  });
  if (style === 'whole') return tools.map((tool, i) => [head(tool, i, tool.json)]);
  const perTool = tools.map((tool, i) => [
    head(tool, i, ''),
    ...pieces(tool.json, 7).map((args) => ({ index: i, function: { arguments: args } })),
  ]);
  if (style === 'fragments') return perTool.flat().map((delta) => [delta]);
  const mixed: object[][] = [];
  for (let step = 0; perTool.some((deltas) => step < deltas.length); step++) {
    for (const deltas of perTool) {
      const delta = deltas[step];
      if (delta) mixed.push([delta]);
    }
  }
  return mixed;
}

function finishReason(stop: ScriptedStopReason): string {
  if (stop === 'tool_use') return 'tool_calls';
  if (stop === 'max_tokens' || stop === 'model_context_window_exceeded') return 'length';
  if (stop === 'refusal') return 'content_filter';
  return 'stop';
}

function usageOf(response: ResolvedResponse): object {
  const u = response.usage;
  const prompt = u.input + u.cacheRead + u.cacheWrite;
  return {
    prompt_tokens: prompt,
    completion_tokens: u.output,
    total_tokens: prompt + u.output,
    prompt_tokens_details: { cached_tokens: u.cacheRead },
    completion_tokens_details: { reasoning_tokens: u.reasoning },
  };
}

function data(value: object): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}
