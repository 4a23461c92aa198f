import { ApiError, notFound, UnknownSessionError } from '../core/errors.js';
import { errorEnvelope } from '../protocol/errorEnvelope.js';

/** The one place an error becomes an HTTP response. Unknown errors are bugs: 500, logged. */
export function errorResponse(error: unknown, requestId: string, onBug: (error: unknown) => void): Response {
  // A session deleted while a request about it was in flight.
  if (error instanceof UnknownSessionError) error = notFound('session', error.sessionId);
  const headers = new Headers({ 'content-type': 'application/json', 'request-id': requestId });
  if (!(error instanceof ApiError)) {
    onBug(error);
    const body = errorEnvelope('api_error', 'Internal server error.', requestId);
    return new Response(JSON.stringify(body), { status: 500, headers });
  }
  const { errorCode, details, noRetry } = error.options;
  const allDetails = errorCode || details ? { ...(errorCode ? { error_code: errorCode } : {}), ...details } : undefined;
  if (noRetry) headers.set('x-should-retry', 'false');
  const body = errorEnvelope(error.type, error.message, requestId, allDetails);
  return new Response(JSON.stringify(body), { status: error.status, headers });
}
