/** The Anthropic error envelope, as the SDK's `APIError` reads it. */
export interface ErrorEnvelope {
  type: 'error';
  error: {
    type: string;
    message: string;
    details?: Record<string, unknown>;
  };
  request_id: string;
}

export function errorEnvelope(
  type: string,
  message: string,
  requestId: string,
  details?: Record<string, unknown>,
): ErrorEnvelope {
  return { type: 'error', error: details ? { type, message, details } : { type, message }, request_id: requestId };
}
