import { describe, expect, it } from 'vitest';
import { refreshGrantRequest, tokensFromResponse } from './oauthRefreshGrant.js';

describe('refreshGrantRequest', () => {
  it('form-encodes Basic client credentials before base64 (RFC 6749 §2.3.1)', () => {
    const { headers, body } = refreshGrantRequest({
      clientId: 'my client:1',
      clientSecret: "s3cr*t!'",
      authMethod: 'client_secret_basic',
      refreshToken: 'rt',
    });
    const decoded = Buffer.from(headers['authorization']!.replace('Basic ', ''), 'base64').toString();
    expect(decoded).toBe('my+client%3A1:s3cr*t%21%27');
    expect(new URLSearchParams(body).get('client_id')).toBeNull();
    expect(Object.fromEntries(new URLSearchParams(body))).toEqual({ grant_type: 'refresh_token', refresh_token: 'rt' });
  });

  it('puts the client in the form for client_secret_post and none, with scope and resource', () => {
    const post = new URLSearchParams(
      refreshGrantRequest({
        clientId: 'c',
        clientSecret: 'x',
        authMethod: 'client_secret_post',
        refreshToken: 'rt',
        scope: 'read write',
        resource: 'https://mcp.example/',
      }).body,
    );
    expect(Object.fromEntries(post)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'rt',
      client_id: 'c',
      client_secret: 'x',
      scope: 'read write',
      resource: 'https://mcp.example/',
    });
    const none = refreshGrantRequest({ clientId: 'c', authMethod: 'none', refreshToken: 'rt' });
    expect(new URLSearchParams(none.body).get('client_secret')).toBeNull();
    expect(none.headers['authorization']).toBeUndefined();
  });
});

describe('tokensFromResponse', () => {
  const now = Date.parse('2026-11-25T00:00:00Z');
  it('reads the access token, a rotated refresh token and the expiry', () => {
    expect(tokensFromResponse({ access_token: 'a', refresh_token: 'r2', expires_in: 60 }, now)).toEqual({
      accessToken: 'a',
      refreshToken: 'r2',
      expiresAt: '2026-11-25T00:01:00.000Z',
    });
  });
  it('leaves the expiry unknown without expires_in, and refuses an answer without an access token', () => {
    expect(tokensFromResponse({ access_token: 'a' }, now)).toEqual({
      accessToken: 'a',
      refreshToken: undefined,
      expiresAt: null,
    });
    expect(tokensFromResponse({ token_type: 'bearer' }, now)).toBeNull();
    expect(tokensFromResponse('nope', now)).toBeNull();
  });
});
