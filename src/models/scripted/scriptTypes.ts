import type { StopReason } from '../../core/modelProvider.js';

/**
 * What the scripted model says. One ScriptedResponse is rendered in whichever protocol the
 * request came in on (Anthropic Messages or OpenAI Chat Completions), so one script drives both.
 */
export type ScriptedBlock =
  | { type: 'text'; text: string }
  /** Without `signature` the server issues one (`sig_scripted_N`) and remembers it. OpenAI: `reasoning_content`. */
  | { type: 'thinking'; thinking: string; signature?: string }
  | { type: 'redacted_thinking'; data: string }
  /**
   * `rawInput` is streamed verbatim instead of `JSON.stringify(input)`, so a test can send
   * malformed JSON. Without `id` the server makes one (`toolu_scripted_N` / `call_scripted_N`).
   */
  | { type: 'tool_use'; id?: string; name: string; input?: Record<string, unknown>; rawInput?: string };

/** The Messages API's stop reasons, which the port uses too; OpenAI answers map them to `finish_reason`. */
export type ScriptedStopReason = StopReason;

/**
 * `afterEvents` counts the SSE events already sent: Anthropic's message_start and ping are 0 and
 * 1, OpenAI's role chunk is 0.
 */
export type ScriptedFault =
  /** An error answer before the stream. `retryAfterMs` / `retryAfter` become the matching headers. */
  | {
      type: 'http';
      status: number;
      /** Anthropic `error.type` / OpenAI `error.type`; defaults follow the status. */
      errorType?: string;
      /** OpenAI `error.code`, e.g. `insufficient_quota`. */
      code?: string;
      message?: string;
      retryAfterMs?: number;
      retryAfter?: string;
    }
  /** 400 "prompt is too long" (Anthropic) / `context_length_exceeded` (OpenAI). */
  | { type: 'context_overflow' }
  /** After `afterEvents` stream events (default 1), an error event, then the server closes the stream. */
  | { type: 'mid_stream_error'; afterEvents?: number; errorType?: string; message?: string }
  /** After `afterEvents` events the server ends the response (`abrupt`: resets the socket) with no final event. */
  | { type: 'disconnect'; afterEvents?: number; abrupt?: boolean }
  /** After `afterEvents` events (default 0: headers only) the server goes silent and keeps the connection open. */
  | { type: 'stall'; afterEvents?: number };

export interface ScriptedUsage {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
}

export interface ScriptedResponse {
  content?: ScriptedBlock[];
  /** Defaults to `tool_use` when the content has a tool call, else `end_turn`. */
  stopReason?: ScriptedStopReason;
  stopSequence?: string;
  /** Fields given here replace the simulated counts (prompt estimate and cache simulation). */
  usage?: ScriptedUsage;
  fault?: ScriptedFault;
  /** Time to first token: the first content event is sent this long after the request arrived. */
  ttftMs?: number;
  /** Pause between stream events. */
  chunkDelayMs?: number;
  /** Write the stream in pieces of this many bytes: odd sizes cut lines and UTF-8 sequences. */
  splitBytes?: number;
  openai?: {
    /** Which field carries thinking: vLLM/llama.cpp use `reasoning_content`, Ollama `reasoning`. */
    reasoningField?: 'reasoning_content' | 'reasoning';
    /** `fragments`: id+name then argument pieces; `whole`: one delta per call; `interleaved`: pieces of all calls mixed. */
    toolCalls?: 'fragments' | 'whole' | 'interleaved';
  };
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface RecordedRequest {
  protocol: 'anthropic' | 'openai';
  method: string;
  path: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: { [key: string]: Json };
  /** The body exactly as received, for byte-stability assertions. */
  rawBody: string;
  /** The conversation read into one shape for both protocols. */
  view: RequestView;
}

export interface ViewToolResult {
  toolUseId: string;
  text: string;
  isError: boolean;
}

/** A protocol-neutral reading of a request, for rule-based responders. */
export interface RequestView {
  model: string;
  system: string;
  toolNames: string[];
  /** How many assistant turns the conversation already has. */
  assistantTurns: number;
  /** What the caller sent since the last assistant turn. */
  last: { text: string; toolResults: ViewToolResult[] };
}

export type Responder = (request: RecordedRequest) => ScriptedResponse | Promise<ScriptedResponse>;
