import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { McpOAuthRefresh } from './mcpCredentials.js';
import { refreshAccessToken } from './refreshAccessToken.js';

// A real token endpoint on 127.0.0.1 that answers whatever the test queued.
let reply: { status: number; body: string } = { status: 200, body: '{}' };
const seen: Array<{ body: string; authorization: string | undefined }> = [];
let endpoint = '';
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    seen.push({ body, authorization: req.headers.authorization });
    res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const deps = { fetch, timeoutMs: 2_000, now: () => Date.parse('2026-01-01T00:00:00Z') };
const settings = (overrides: Partial<McpOAuthRefresh> = {}): McpOAuthRefresh => ({
  tokenEndpoint: endpoint,
  clientId: 'public client',
  authMethod: 'none',
  refreshToken: 'rt',
  ...overrides,
});

describe('refreshAccessToken', () => {
  it('authenticates a public client with client_id only, and sends the resource indicator', async () => {
    reply = { status: 200, body: JSON.stringify({ access_token: 'new', token_type: 'Bearer', expires_in: 60 }) };
    const outcome = await refreshAccessToken(settings({ resource: 'https://mcp.example/' }), deps);
    expect(outcome).toEqual({
      ok: true,
      tokens: { accessToken: 'new', refreshToken: undefined, expiresAt: '2026-01-01T00:01:00.000Z' },
    });
    expect(Object.fromEntries(new URLSearchParams(seen.at(-1)?.body))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'rt',
      client_id: 'public client',
      resource: 'https://mcp.example/',
    });
    expect(seen.at(-1)?.authorization).toBeUndefined();
  });

  it('leaves expiresAt unknown without expires_in', async () => {
    reply = { status: 200, body: JSON.stringify({ access_token: 'new', refresh_token: 'rt2' }) };
    expect(await refreshAccessToken(settings(), deps)).toEqual({
      ok: true,
      tokens: { accessToken: 'new', refreshToken: 'rt2', expiresAt: null },
    });
  });

  it('reports a refusal by status and OAuth error code only, never the body', async () => {
    reply = { status: 400, body: JSON.stringify({ error: 'invalid_grant', error_description: 'token rt is revoked' }) };
    expect(await refreshAccessToken(settings(), deps)).toEqual({
      ok: false,
      reason: 'the token endpoint answered HTTP 400 invalid_grant',
    });
    reply = { status: 200, body: JSON.stringify({ token_type: 'Bearer' }) };
    expect(await refreshAccessToken(settings(), deps)).toEqual({
      ok: false,
      reason: 'the token endpoint answered without an access_token',
    });
  });

  it('reports an unreachable token endpoint', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/token`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await refreshAccessToken(settings({ tokenEndpoint: url }), deps)).toEqual({
      ok: false,
      reason: 'the token endpoint could not be reached',
    });
  });
});
