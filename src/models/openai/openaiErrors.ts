import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { ModelError, type ModelErrorKind } from '../../core/modelProvider.js';
import { retryAfterMs } from '../retryAfter.js';

// OpenAI, vLLM, llama.cpp and Ollama word context overflow differently.
const CONTEXT_OVERFLOW =
  /context_length_exceeded|maximum context length|context (?:window|size|length)|exceed_context_size|prompt is too long|too many tokens/i;

/** Classifies anything `openai` throws, before or during the stream. */
export function classifyOpenAIError(error: unknown): ModelError {
  if (error instanceof APIConnectionError) {
    const kind = error instanceof APIConnectionTimeoutError ? 'timeout' : 'network';
    return new ModelError(kind, error.message, undefined, { cause: error });
  }
  if (!isApiError(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return new ModelError('network', `model stream failed: ${message}`, undefined, { cause: error });
  }
  const code = typeof error.code === 'string' ? error.code : undefined;
  const kind = kindOf(error.status, code, typeof error.type === 'string' ? error.type : undefined, error.message);
  return new ModelError(kind, error.message, kind === 'invalid_request' ? undefined : retryAfterMs(error.headers), {
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.requestID ? { requestId: error.requestID } : {}),
    cause: error,
  });
}

function kindOf(
  status: number | undefined,
  code: string | undefined,
  type: string | undefined,
  message: string,
): ModelErrorKind {
  // A 429 for an exhausted quota is billing: retrying cannot help.
  if (code === 'insufficient_quota' || type === 'insufficient_quota' || status === 402) return 'billing';
  if (code === 'context_length_exceeded' || status === 413 || CONTEXT_OVERFLOW.test(message)) return 'context_overflow';
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'auth';
  if (status === 529 || code === 'overloaded' || /overloaded/i.test(message)) return 'overloaded';
  if (status === 408 || status === 504) return 'timeout';
  if (status === undefined || status === 409 || status >= 500) return 'server';
  return 'invalid_request';
}

// A guard keeps the class's default type parameters; bare `instanceof` infers them as `any`.
function isApiError(error: unknown): error is APIError {
  return error instanceof APIError;
}
