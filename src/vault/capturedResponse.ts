import type { BetaManagedAgentsRefreshHTTPResponse } from '@anthropic-ai/sdk/resources/beta/vaults/credentials.js';

export const CAPTURED_BODY_MAX_CHARS = 4096;
const REDACTED = '[REDACTED]';

// Token-bearing JSON members and form fields, whatever their value: a token endpoint's error
// body may echo what it was sent, and a captured body is returned to the API caller.
const SENSITIVE_JSON =
  /("(?:access_token|refresh_token|id_token|client_secret|token|password|secret)"\s*:\s*")((?:[^"\\]|\\.)*)(")/gi;
const SENSITIVE_FORM = /\b((?:access_token|refresh_token|id_token|client_secret|password)=)[^&\s]*/gi;

/** Removes every known secret and every token-looking field from `text`. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length > 0) out = out.split(secret).join(REDACTED);
  }
  return out.replace(SENSITIVE_JSON, `$1${REDACTED}$3`).replace(SENSITIVE_FORM, `$1${REDACTED}`);
}

/** An HTTP error response as the validation result reports it: scrubbed, then truncated. */
export async function captureResponse(
  response: Response,
  secrets: readonly string[],
): Promise<BetaManagedAgentsRefreshHTTPResponse> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // A body that breaks off mid-way is reported as what arrived: nothing.
  }
  const body = scrub(text, secrets);
  return {
    status_code: response.status,
    content_type: response.headers.get('content-type') ?? '',
    body: body.slice(0, CAPTURED_BODY_MAX_CHARS),
    body_truncated: body.length > CAPTURED_BODY_MAX_CHARS,
  };
}
