/**
 * The one error catalogue. Every failure that reaches a client is an ApiError with a stable
 * Anthropic error type and HTTP status; `api/errorEnvelope.ts` is the one place that turns it
 * into the wire envelope. Anything else that escapes a handler is a bug and answers 500.
 */
export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'timeout_error'
  | 'api_error'
  | 'overloaded_error'
  | 'conflict_error'
  | 'request_too_large';

export interface ApiErrorOptions {
  /** `details.error_code`: the SDK picks a typed error class from `"<status> <error_code>"`. */
  errorCode?: string;
  details?: Record<string, unknown>;
  /** Tell the SDK not to retry (it retries 408, 409, 429 and 5xx by default). */
  noRetry?: boolean;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: AnthropicErrorType,
    message: string,
    readonly options: ApiErrorOptions = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const invalidRequest = (message: string, options?: ApiErrorOptions) =>
  new ApiError(400, 'invalid_request_error', message, options);

export const notFound = (what: string, id: string) => new ApiError(404, 'not_found_error', `${what} not found: ${id}`);

export const conflict = (message: string, options: ApiErrorOptions = {}) =>
  new ApiError(409, 'conflict_error', message, { noRetry: true, ...options });

export const unauthenticated = (message: string) => new ApiError(401, 'authentication_error', message);

export const payloadTooLarge = (limitBytes: number) =>
  new ApiError(413, 'request_too_large', `Request body exceeds the ${limitBytes}-byte limit.`);

/** The brain's lease was lost: another worker holds a newer epoch. Never reaches a client. */
export class StaleEpochError extends Error {
  constructor(
    readonly sessionId: string,
    readonly epoch: number,
  ) {
    super(`stale lease epoch ${epoch} for session ${sessionId}`);
    this.name = 'StaleEpochError';
  }
}

/** An append or read named a session the store does not have (deleted, or never created). */
export class UnknownSessionError extends Error {
  constructor(readonly sessionId: string) {
    super(`unknown session ${sessionId}`);
    this.name = 'UnknownSessionError';
  }
}
