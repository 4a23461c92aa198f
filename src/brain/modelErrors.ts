import type { ModelError } from '../core/modelProvider.js';
import type { SessionErrorObject } from './decide.js';
import type { BrainLimits } from './limits.js';

const RETRYABLE = new Set(['overloaded', 'rate_limited', 'server', 'network', 'timeout']);

/**
 * How long to wait before attempt `attempt + 1`, or null when the error is final. Honours the
 * provider's retry-after; otherwise exponential backoff with full jitter, capped.
 */
export function retryDelay(error: ModelError, attempt: number, limits: BrainLimits): number | null {
  if (!RETRYABLE.has(error.kind) || attempt >= limits.maxModelAttempts) return null;
  if (error.retryAfterMs !== undefined) return Math.min(error.retryAfterMs, limits.retryMaxMs);
  const ceiling = Math.min(limits.retryMaxMs, limits.retryBaseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** The `session.error` object a model failure becomes. */
export function sessionErrorFor(error: ModelError, retry: 'retrying' | 'exhausted'): SessionErrorObject {
  const type =
    error.kind === 'overloaded'
      ? 'model_overloaded_error'
      : error.kind === 'rate_limited'
        ? 'model_rate_limited_error'
        : error.kind === 'billing'
          ? 'billing_error'
          : 'model_request_failed_error';
  return { type, message: error.message, retry_status: { type: retry } };
}
