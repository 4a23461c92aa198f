import { APIConnectionError, APIConnectionTimeoutError, APIError } from '@anthropic-ai/sdk';
import { ModelError, type ModelErrorKind } from '../../core/modelProvider.js';
import { retryAfterMs } from '../retryAfter.js';

const CONTEXT_OVERFLOW = /prompt is too long|exceeds? the (?:model'?s? )?context|context (?:window|limit|length)/i;
const BILLING = /credit balance|billing|insufficient (?:credit|funds|quota)/i;

/** Classifies anything `@anthropic-ai/sdk` throws, before or during the stream. */
export function classifyAnthropicError(error: unknown): ModelError {
  if (error instanceof APIConnectionError) {
    const kind = error instanceof APIConnectionTimeoutError ? 'timeout' : 'network';
    return new ModelError(kind, error.message, undefined, { cause: error });
  }
  if (!isApiError(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return new ModelError('network', `model stream failed: ${message}`, undefined, { cause: error });
  }
  const message = error.apiMessage ?? error.message;
  const kind = kindOf(error.status, error.type ?? undefined, message);
  return new ModelError(kind, message, kind === 'invalid_request' ? undefined : retryAfterMs(error.headers), {
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.requestID ? { requestId: error.requestID } : {}),
    cause: error,
  });
}

function kindOf(status: number | undefined, type: string | undefined, message: string): ModelErrorKind {
  if (type === 'overloaded_error' || status === 529) return 'overloaded';
  if (type === 'rate_limit_error' || status === 429) return 'rate_limited';
  if (type === 'authentication_error' || type === 'permission_error' || status === 401 || status === 403) return 'auth';
  if (type === 'billing_error' || status === 402 || BILLING.test(message)) return 'billing';
  if (status === 413 || CONTEXT_OVERFLOW.test(message)) return 'context_overflow';
  if (type === 'timeout_error' || status === 408 || status === 504) return 'timeout';
  if (status === undefined || status === 409 || status >= 500 || type === 'api_error') return 'server';
  return 'invalid_request';
}

// A guard keeps the class's default type parameters; bare `instanceof` infers them as `any`.
function isApiError(error: unknown): error is APIError {
  return error instanceof APIError;
}
