import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  anthropicError,
  anthropicErrorType,
  anthropicFrames,
  anthropicMessage,
  anthropicStreamError,
} from './anthropicWire.js';
import { checkAnthropicConversation, checkOpenAIConversation } from './conversationChecks.js';
import { openaiCompletion, openaiError, openaiErrorType, openaiFrames, openaiStreamError } from './openaiWire.js';
import { estimateTokens, PromptCacheSimulator, promptTokensOf } from './promptCache.js';
import { asString, viewOf } from './requestView.js';
import { defaultStopReason, type ResolvedBlock, type ResolvedResponse } from './resolvedResponse.js';
import type { Json, RecordedRequest, Responder, ScriptedFault, ScriptedResponse } from './scriptTypes.js';

export type * from './scriptTypes.js';

export interface ScriptedModelOptions {
  /** Planned responses, served in order before `respond` is asked. */
  script?: ScriptedResponse[];
  /** Rule-based answers once the script is used up. */
  respond?: Responder;
  /** Reject histories a real API rejects (unanswered tool calls, unknown signatures) with a 400. Default true. */
  strict?: boolean;
  /**
   * Benchmarks: keep no requests and simulate no prompt cache (usage counts only what the
   * response says), so the stand-in's own work does not grow with the conversation.
   */
  lean?: boolean;
  /** Pacing for responses that set none, e.g. `{ splitBytes: 7 }` for a whole suite. */
  defaults?: Pick<ScriptedResponse, 'ttftMs' | 'chunkDelayMs' | 'splitBytes'>;
}

export interface ScriptedModel {
  /** Base URL for `@anthropic-ai/sdk` (the server root). */
  url: string;
  /** Base URL for `openai` and other OpenAI-compatible clients (`url` + `/v1`). */
  openaiBaseURL: string;
  /** Every request received, in order, count_tokens included. */
  requests: RecordedRequest[];
  enqueue(...responses: ScriptedResponse[]): void;
  /** Planned responses not served yet. */
  readonly pending: number;
  close(): Promise<void>;
}

type JsonObject = { [key: string]: Json };
type Protocol = RecordedRequest['protocol'];

const STREAM_FAULTS = new Set(['mid_stream_error', 'disconnect', 'stall']);

/**
 * A stand-in model on 127.0.0.1 speaking the Anthropic Messages and OpenAI Chat Completions wire
 * formats byte for byte (shared/docs/model-wire.md), so tests exercise the real SDK clients.
 */
export async function startScriptedModel(options: ScriptedModelOptions = {}): Promise<ScriptedModel> {
  const queue = [...(options.script ?? [])];
  const requests: RecordedRequest[] = [];
  const issuedSignatures = new Set<string>();
  const cache = new PromptCacheSimulator();
  const strict = options.strict ?? true;
  let counter = 0;
  const next = (): number => ++counter;

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(error) } });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrivedAt = performance.now();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const protocol: Protocol | null =
      path === '/v1/messages' || path === '/v1/messages/count_tokens'
        ? 'anthropic'
        : path === '/v1/chat/completions'
          ? 'openai'
          : null;
    const text = await readBody(req);
    if (req.method !== 'POST' || protocol === null) {
      sendJson(res, 404, anthropicError('not_found_error', `scripted model: no route ${req.method} ${path}`, 'req_0'));
      return;
    }
    let body: JsonObject;
    try {
      const parsed = JSON.parse(text) as Json;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed;
    } catch {
      return sendError(res, protocol, 400, 'invalid_request_error', 'request body is not a JSON object', null);
    }
    let view: RecordedRequest['view'] | undefined;
    const recorded: RecordedRequest = {
      protocol,
      method: req.method,
      path,
      headers: headersOf(req),
      body,
      rawBody: text,
      // Read on demand: building it walks the whole conversation.
      get view() {
        view ??= viewOf(protocol, body);
        return view;
      },
    };
    if (!options.lean) requests.push(recorded);

    if (path === '/v1/messages/count_tokens')
      return sendJson(res, 200, { input_tokens: promptTokensOf(protocol, body) });

    const invalid = validate(protocol, body);
    if (invalid) return sendError(res, protocol, 400, 'invalid_request_error', invalid, null);

    const planned = queue.shift() ?? (await options.respond?.(recorded));
    if (!planned) {
      return sendError(res, protocol, 500, 'api_error', 'scripted model: no response scripted for this request', null);
    }
    const response = { ...options.defaults, ...planned };
    const fault = response.fault;
    if (fault?.type === 'http') return sendFault(res, protocol, fault);
    if (fault?.type === 'context_overflow') {
      return protocol === 'anthropic'
        ? sendError(
            res,
            protocol,
            400,
            'invalid_request_error',
            'prompt is too long: 210000 tokens > 200000 maximum',
            null,
          )
        : sendError(
            res,
            protocol,
            400,
            'invalid_request_error',
            "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
            'context_length_exceeded',
          );
    }

    const resolved = resolve(protocol, body, response);
    if (body['stream'] !== true) {
      sendJson(res, 200, protocol === 'anthropic' ? anthropicMessage(resolved) : openaiCompletion(resolved), {
        [protocol === 'anthropic' ? 'request-id' : 'x-request-id']: `req_scripted_${next()}`,
      });
      return;
    }
    const includeUsage =
      typeof body['stream_options'] === 'object' &&
      body['stream_options'] !== null &&
      (body['stream_options'] as JsonObject)['include_usage'] === true;
    const { frames, firstContent } =
      protocol === 'anthropic'
        ? anthropicFrames(resolved)
        : openaiFrames(resolved, { ...response.openai, includeUsage });
    await writeStream(res, protocol, frames, firstContent, response, arrivedAt);
  }

  function validate(protocol: Protocol, body: JsonObject): string | null {
    if (typeof body['model'] !== 'string') return 'model: Field required';
    if (!Array.isArray(body['messages'])) return 'messages: Field required';
    if (protocol === 'anthropic' && typeof body['max_tokens'] !== 'number') return 'max_tokens: Field required';
    if (!strict) return null;
    return protocol === 'anthropic'
      ? checkAnthropicConversation(body, issuedSignatures)
      : checkOpenAIConversation(body);
  }

  function resolve(protocol: Protocol, body: JsonObject, response: ScriptedResponse): ResolvedResponse {
    const content: ResolvedBlock[] = (response.content ?? []).map((block) => {
      switch (block.type) {
        case 'thinking': {
          const signature = block.signature ?? `sig_scripted_${next()}`;
          issuedSignatures.add(signature);
          return { type: 'thinking', thinking: block.thinking, signature };
        }
        case 'tool_use':
          return {
            type: 'tool_use',
            id: block.id ?? (protocol === 'anthropic' ? `toolu_scripted_${next()}` : `call_scripted_${next()}`),
            name: block.name,
            json: block.rawInput ?? JSON.stringify(block.input ?? {}),
          };
        default:
          return block;
      }
    });
    const simulated = options.lean
      ? { promptTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 }
      : protocol === 'anthropic'
        ? cache.anthropic(body)
        : cache.openai(body);
    const given = response.usage ?? {};
    const cacheRead = given.cacheReadTokens ?? simulated.cacheReadTokens;
    const cacheWrite = given.cacheWriteTokens ?? simulated.cacheWriteTokens;
    const outputChars = content.reduce(
      (sum, b) => sum + (b.type === 'text' ? b.text.length : b.type === 'tool_use' ? b.json.length : 0),
      0,
    );
    const thinkingChars = content.reduce((sum, b) => sum + (b.type === 'thinking' ? b.thinking.length : 0), 0);
    return {
      id: protocol === 'anthropic' ? `msg_scripted_${next()}` : `chatcmpl-scripted-${next()}`,
      model: asString(body['model']),
      content,
      stopReason: defaultStopReason(response),
      stopSequence: response.stopSequence ?? null,
      usage: {
        input: given.inputTokens ?? Math.max(0, simulated.promptTokens - cacheRead - cacheWrite),
        output: given.outputTokens ?? Math.max(1, estimateTokens(outputChars + thinkingChars)),
        cacheRead,
        cacheWrite,
        reasoning: given.reasoningTokens ?? estimateTokens(thinkingChars),
      },
    };
  }

  async function writeStream(
    res: ServerResponse,
    protocol: Protocol,
    frames: string[],
    firstContent: number,
    response: ScriptedResponse,
    arrivedAt: number,
  ): Promise<void> {
    res.socket?.setNoDelay(true);
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      [protocol === 'anthropic' ? 'request-id' : 'x-request-id']: `req_scripted_${next()}`,
    });
    res.flushHeaders();
    const fault = response.fault && STREAM_FAULTS.has(response.fault.type) ? response.fault : undefined;
    const faultAt = fault && 'afterEvents' in fault ? fault.afterEvents : undefined;
    const breakAt = Math.min(faultAt ?? (fault?.type === 'stall' ? 0 : 1), frames.length);
    for (const [i, frame] of frames.entries()) {
      if (fault && i === breakAt) return endWithFault(res, protocol, fault);
      // TTFT as a client sees it: from the request's arrival, whatever the stand-in spent since.
      if (i === firstContent && response.ttftMs) {
        await sleep(Math.max(0, response.ttftMs - (performance.now() - arrivedAt)));
      } else if (i > 0 && response.chunkDelayMs) await sleep(response.chunkDelayMs);
      if (res.destroyed) return;
      await write(res, frame, response.splitBytes);
    }
    if (fault) return endWithFault(res, protocol, fault);
    res.end();
  }

  const address = await new Promise<AddressInfo>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolveListen(server.address() as AddressInfo));
  });
  const url = `http://127.0.0.1:${address.port}`;

  return {
    url,
    openaiBaseURL: `${url}/v1`,
    requests,
    enqueue: (...responses) => void queue.push(...responses),
    get pending() {
      return queue.length;
    },
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}

function endWithFault(res: ServerResponse, protocol: Protocol, fault: ScriptedFault): void {
  if (fault.type === 'stall') return;
  if (fault.type === 'disconnect') {
    if (fault.abrupt) res.destroy();
    else res.end();
    return;
  }
  if (fault.type === 'mid_stream_error') {
    const message = fault.message ?? 'Overloaded';
    const type = fault.errorType ?? 'overloaded_error';
    res.end(
      protocol === 'anthropic'
        ? anthropicStreamError(type, message)
        : openaiStreamError(message, fault.errorType ?? 'overloaded'),
    );
  }
}

async function write(res: ServerResponse, frame: string, splitBytes: number | undefined): Promise<void> {
  if (!splitBytes || splitBytes <= 0) {
    res.write(frame);
    return;
  }
  const bytes = Buffer.from(frame, 'utf8');
  for (let at = 0; at < bytes.length; at += splitBytes) {
    if (res.destroyed) return;
    res.write(bytes.subarray(at, at + splitBytes));
    await new Promise((resolveTick) => setImmediate(resolveTick));
  }
}

function sendFault(res: ServerResponse, protocol: Protocol, fault: Extract<ScriptedFault, { type: 'http' }>): void {
  const headers: Record<string, string> = {};
  if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
  if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
  const type =
    fault.errorType ?? (protocol === 'anthropic' ? anthropicErrorType(fault.status) : openaiErrorType(fault.status));
  const message = fault.message ?? `scripted ${fault.status} ${type}`;
  sendError(res, protocol, fault.status, type, message, fault.code ?? null, headers);
}

function sendError(
  res: ServerResponse,
  protocol: Protocol,
  status: number,
  type: string,
  message: string,
  code: string | null,
  headers: Record<string, string> = {},
): void {
  const requestId = `req_scripted_error_${status}`;
  if (protocol === 'anthropic')
    sendJson(res, status, anthropicError(type, message, requestId), { 'request-id': requestId, ...headers });
  else sendJson(res, status, openaiError(message, type, code), { 'x-request-id': requestId, ...headers });
}

function sendJson(res: ServerResponse, status: number, value: object, headers: Record<string, string> = {}): void {
  // Non-streaming answers must be application/json: the Anthropic SDK returns any other type as a string.
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(value));
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
