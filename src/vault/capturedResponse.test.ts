import { describe, expect, it } from 'vitest';
import { CAPTURED_BODY_MAX_CHARS, captureResponse, scrub } from './capturedResponse.js';

describe('scrub', () => {
  it('removes known secrets and token-looking fields', () => {
    const text = JSON.stringify({ error: 'invalid_grant', refresh_token: 'echoed', detail: 'bad rt-123 for client' });
    const out = scrub(`${text} access_token=abc&x=1`, ['rt-123']);
    expect(out).not.toContain('echoed');
    expect(out).not.toContain('rt-123');
    expect(out).not.toContain('abc');
    expect(out).toContain('invalid_grant');
    expect(out).toContain('x=1');
  });
});

describe('captureResponse', () => {
  it('reports status, content type and a truncated, scrubbed body', async () => {
    const body = `secret-token ${'x'.repeat(CAPTURED_BODY_MAX_CHARS)}`;
    const captured = await captureResponse(
      new Response(body, { status: 401, headers: { 'content-type': 'text/plain' } }),
      ['secret-token'],
    );
    expect(captured).toMatchObject({ status_code: 401, content_type: 'text/plain', body_truncated: true });
    expect(captured.body).toHaveLength(CAPTURED_BODY_MAX_CHARS);
    expect(captured.body.startsWith('[REDACTED] ')).toBe(true);
  });
});
