import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listen, startEverything, type EverythingServer } from '../../../test/helpers/mcpEverything.js';
import { createMcpHub, type McpHubOptions } from './createMcpHub.js';
import type { McpAuth, McpCredentialSource, RefreshedTokens } from './mcpCredentials.js';
import type { McpHub } from './mcpHub.js';

// Real servers, no mocks: the reference `server-everything` MCP server (its own server factory
// and the SDK's server transports) behind a bearer-token check, a token endpoint, and sockets
// that refuse or never answer. Everything listens on 127.0.0.1 only.

interface TokenEndpoint {
  url: string;
  requests: Array<{ form: URLSearchParams; authorization: string | undefined }>;
  /** The refresh token it accepts next; each grant rotates it (`rt-1`, `rt-2`, ...). */
  refreshToken: string;
  /** Called with each access token it issues (`at-1`, `at-2`, ...). */
  onIssue(token: string): void;
  close(): Promise<void>;
}

/** A token endpoint that checks the refresh-token grant and the client's authentication. */
async function startTokenEndpoint(client: {
  id: string;
  secret?: string;
  method: 'none' | 'client_secret_basic' | 'client_secret_post';
}): Promise<TokenEndpoint> {
  let issued = 0;
  const endpoint: TokenEndpoint = {
    url: '',
    requests: [],
    refreshToken: 'rt-0',
    onIssue: () => {},
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const authorization = req.headers.authorization;
      endpoint.requests.push({ form, authorization });
      const clientOk =
        client.method === 'client_secret_basic'
          ? basicCredentials(authorization) === `${client.id}\0${client.secret}` && !form.has('client_secret')
          : client.method === 'client_secret_post'
            ? form.get('client_id') === client.id && form.get('client_secret') === client.secret && !authorization
            : form.get('client_id') === client.id && !form.has('client_secret') && !authorization;
      const reply = (status: number, json: object) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/x-www-form-urlencoded') {
        return reply(400, { error: 'invalid_request' });
      }
      if (!clientOk) return reply(401, { error: 'invalid_client' });
      if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== endpoint.refreshToken) {
        return reply(400, { error: 'invalid_grant', error_description: `refresh token ${form.get('refresh_token')}` });
      }
      issued += 1;
      endpoint.refreshToken = `rt-${issued}`;
      endpoint.onIssue(`at-${issued}`);
      reply(200, {
        access_token: `at-${issued}`,
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_token: `rt-${issued}`,
      });
    });
  });
  await listen(server, 0);
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  endpoint.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return endpoint;
}

/** Answers without handling the request, after reading its body so the connection stays usable. */
/** RFC 6749 §2.3.1: base64 of `form-encoded id:form-encoded secret`. */
function basicCredentials(header: string | undefined): string | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString();
  const colon = decoded.indexOf(':');
  const formDecode = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));
  return `${formDecode(decoded.slice(0, colon))}\0${formDecode(decoded.slice(colon + 1))}`;
}

/** The vault stand-in: one credential per URL, changeable mid-test; records persisted refreshes. */
function vault(initial: Record<string, McpAuth>) {
  const byUrl = new Map(Object.entries(initial));
  const refreshed: Array<{ sessionId: string; serverUrl: string; tokens: RefreshedTokens }> = [];
  const source: McpCredentialSource = {
    forServer: async (_sessionId, serverUrl) => byUrl.get(serverUrl) ?? null,
    onTokenRefreshed: async (sessionId, serverUrl, tokens) => {
      refreshed.push({ sessionId, serverUrl, tokens });
      const current = byUrl.get(serverUrl);
      if (current?.type === 'oauth') {
        byUrl.set(serverUrl, {
          ...current,
          accessToken: tokens.accessToken,
          expiresAt: tokens.expiresAt,
          ...(current.refresh
            ? { refresh: { ...current.refresh, refreshToken: tokens.refreshToken ?? current.refresh.refreshToken } }
            : {}),
        });
      }
    },
  };
  return { source, byUrl, refreshed };
}

const signal = () => AbortSignal.timeout(20_000);
const text = (result: { content: Array<{ type: string; text?: string }> }) =>
  result.content.map((block) => block.text ?? `<${block.type}>`).join('\n');

describe('McpHub against server-everything', () => {
  let everything: EverythingServer;
  const hubs: McpHub[] = [];
  const warnings: string[] = [];
  const makeHub = (credentials: McpCredentialSource, overrides: Partial<McpHubOptions> = {}) => {
    const hub = createMcpHub({
      credentials,
      logger: { warn: (message) => void warnings.push(message) },
      connectTimeoutMs: 3_000,
      callTimeoutMs: 10_000,
      retryAfterFailureMs: 0,
      ...overrides,
    });
    hubs.push(hub);
    return hub;
  };

  beforeAll(async () => {
    everything = await startEverything(['good-token']);
  });
  afterEach(async () => {
    await Promise.all(hubs.splice(0).map((hub) => hub.close()));
    everything.tokens.clear();
    everything.tokens.add('good-token');
  });
  afterAll(async () => {
    await everything.stop();
    // No credential value may reach a log line.
    expect(warnings.join('\n')).not.toMatch(/good-token|at-\d|rt-\d|s3cret/);
  });

  it('lists the tools of a server that requires the vault bearer token, and calls them', async () => {
    const { source } = vault({ [everything.url]: { type: 'bearer', token: 'good-token' } });
    const hub = makeHub(source);
    const server = { name: 'everything', url: everything.url };

    const [listed] = await hub.tools('sesn_1', [server], signal());
    expect(listed?.error).toBeUndefined();
    const echo = listed?.tools.find((tool) => tool.name === 'echo');
    expect(echo).toMatchObject({
      description: 'Echoes back the input string',
      inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
      annotations: { readOnlyHint: true },
    });
    expect(echo?.inputSchema).not.toHaveProperty('$schema');
    expect(listed?.tools.map((tool) => tool.name)).toContain('get-sum');

    const echoed = await hub.call('sesn_1', server, 'echo', { message: 'hello' }, signal());
    expect(echoed).toEqual({ content: [{ type: 'text', text: 'Echo: hello' }], isError: false });

    const sum = await hub.call('sesn_1', server, 'get-sum', { a: 2, b: 3 }, signal());
    expect(text(sum)).toBe('The sum of 2 and 3 is 5.');

    const image = await hub.call('sesn_1', server, 'get-tiny-image', {}, signal());
    expect(image.content).toContainEqual({
      type: 'image',
      source: { type: 'base64', media_type: 'image/png', data: expect.stringMatching(/^iVBOR/) },
    });

    const resource = await hub.call(
      'sesn_1',
      server,
      'get-resource-reference',
      { resourceType: 'Text', resourceId: 1 },
      signal(),
    );
    expect(text(resource)).toContain('[resource demo://resource/dynamic/text/1 (text/plain)]\nResource 1:');

    // A tool's own failure is an error result, not a server failure.
    const unknown = await hub.call('sesn_1', server, 'no-such-tool', {}, signal());
    expect(unknown.isError).toBe(true);
    expect(unknown.error).toBeUndefined();
    expect(text(unknown)).toContain('no-such-tool');
    expect((await hub.call('sesn_1', server, 'echo', [1], signal())).isError).toBe(true);

    // The list is cached for the session: no second tools/list.
    const posts = everything.requests.length;
    await hub.tools('sesn_1', [server], signal());
    expect(everything.requests.length).toBe(posts);
    expect(everything.requests.every((request) => request.token === 'good-token')).toBe(true);
  });

  it('reports a refused token or a missing credential as an authentication error, and recovers', async () => {
    const { source, byUrl } = vault({ [everything.url]: { type: 'bearer', token: 'wrong-token' } });
    const hub = makeHub(source);
    const server = { name: 'everything', url: everything.url };

    const [listed] = await hub.tools('sesn_1', [server], signal());
    expect(listed).toEqual({
      server: 'everything',
      tools: [],
      error: {
        type: 'mcp_authentication_failed_error',
        message: 'MCP server "everything": the server refused the static bearer token',
      },
    });
    const called = await hub.call('sesn_1', server, 'echo', { message: 'x' }, signal());
    expect(called).toMatchObject({ isError: true, error: { type: 'mcp_authentication_failed_error' } });

    byUrl.delete(everything.url);
    const [none] = await hub.tools('sesn_1', [server], signal());
    expect(none?.error).toEqual({
      type: 'mcp_authentication_failed_error',
      message:
        'MCP server "everything": the server requires authorization and the session\'s vaults hold no credential for it',
    });

    // The session goes on: once the vault holds a good token, the next use connects.
    byUrl.set(everything.url, { type: 'bearer', token: 'good-token' });
    const [fixed] = await hub.tools('sesn_1', [server], signal());
    expect(fixed?.error).toBeUndefined();
    expect(text(await hub.call('sesn_1', server, 'echo', { message: 'back' }, signal()))).toBe('Echo: back');
  });

  it('refreshes an expired mcp_oauth access token at the token endpoint before connecting', async () => {
    const tokens = await startTokenEndpoint({ id: 'bosun-client', secret: 's3cret:&', method: 'client_secret_basic' });
    tokens.onIssue = (token) => everything.tokens.add(token);
    const { source, refreshed } = vault({
      [everything.url]: {
        type: 'oauth',
        accessToken: 'stale-token',
        expiresAt: new Date(Date.now() - 1_000).toISOString(),
        refresh: {
          tokenEndpoint: tokens.url,
          clientId: 'bosun-client',
          clientSecret: 's3cret:&',
          authMethod: 'client_secret_basic',
          refreshToken: 'rt-0',
          scope: 'tools',
        },
      },
    });
    const hub = makeHub(source);
    const server = { name: 'oauth', url: everything.url };
    try {
      const [listed] = await hub.tools('sesn_2', [server], signal());
      expect(listed?.error).toBeUndefined();
      expect(text(await hub.call('sesn_2', server, 'echo', { message: 'fresh' }, signal()))).toBe('Echo: fresh');

      expect(tokens.requests).toHaveLength(1);
      const [request] = tokens.requests;
      expect(Object.fromEntries(request?.form ?? [])).toEqual({
        grant_type: 'refresh_token',
        refresh_token: 'rt-0',
        scope: 'tools',
      });
      // RFC 6749 §2.3.1: the secret is form-encoded before Basic encoding (':' and '&' escaped).
      expect(request?.authorization).toBe(`Basic ${Buffer.from('bosun-client:s3cret%3A%26').toString('base64')}`);
      expect(refreshed).toEqual([
        {
          sessionId: 'sesn_2',
          serverUrl: everything.url,
          tokens: { accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: expect.any(String) },
        },
      ]);
      expect(Date.parse(refreshed[0]?.tokens.expiresAt ?? '')).toBeGreaterThan(Date.now() + 3_000_000);
      // The stale token never reached the server.
      expect(everything.requests.some((r) => r.token === 'stale-token')).toBe(false);
    } finally {
      await tokens.close();
    }
  });

  it('refreshes once on a 401 mid-session and retries, with the rotated refresh token next time', async () => {
    const tokens = await startTokenEndpoint({
      id: 'bosun-client',
      secret: 'post-secret',
      method: 'client_secret_post',
    });
    tokens.onIssue = (token) => everything.tokens.add(token);
    everything.tokens.add('at-0');
    const { source, refreshed } = vault({
      [everything.url]: {
        type: 'oauth',
        accessToken: 'at-0',
        refresh: {
          tokenEndpoint: tokens.url,
          clientId: 'bosun-client',
          clientSecret: 'post-secret',
          authMethod: 'client_secret_post',
          refreshToken: 'rt-0',
        },
      },
    });
    const hub = makeHub(source);
    const server = { name: 'oauth', url: everything.url };
    try {
      expect((await hub.tools('sesn_3', [server], signal()))[0]?.error).toBeUndefined();
      expect(tokens.requests).toHaveLength(0);

      // The authorization server revokes the access token while the MCP session is open.
      everything.tokens.delete('at-0');
      const calls = await Promise.all(
        ['a', 'b', 'c'].map((message) => hub.call('sesn_3', server, 'echo', { message }, signal())),
      );
      expect(calls.map(text)).toEqual(['Echo: a', 'Echo: b', 'Echo: c']);
      expect(tokens.requests).toHaveLength(1);
      expect(Object.fromEntries(tokens.requests[0]?.form ?? [])).toEqual({
        grant_type: 'refresh_token',
        refresh_token: 'rt-0',
        client_id: 'bosun-client',
        client_secret: 'post-secret',
      });
      expect(refreshed.map((r) => r.tokens.accessToken)).toEqual(['at-1']);

      everything.tokens.delete('at-1');
      expect(text(await hub.call('sesn_3', server, 'echo', { message: 'again' }, signal()))).toBe('Echo: again');
      expect(tokens.requests[1]?.form.get('refresh_token')).toBe('rt-1');

      // A refresh the token endpoint refuses ends in an authentication error the model can read.
      everything.tokens.delete('at-2');
      tokens.refreshToken = 'revoked-elsewhere';
      const refused = await hub.call('sesn_3', server, 'echo', { message: 'no' }, signal());
      expect(refused).toMatchObject({
        isError: true,
        error: {
          type: 'mcp_authentication_failed_error',
          message:
            'MCP server "oauth": refreshing the OAuth access token failed: the token endpoint answered HTTP 400 invalid_grant',
        },
      });
    } finally {
      await tokens.close();
    }
  });

  it('reports a server that is down as a connection error quickly, and reconnects when it is back', async () => {
    const { source } = vault({ [everything.url]: { type: 'bearer', token: 'good-token' } });
    const hub = makeHub(source);
    const server = { name: 'everything', url: everything.url };
    expect((await hub.tools('sesn_4', [server], signal()))[0]?.error).toBeUndefined();

    await everything.stop();
    try {
      const started = Date.now();
      const down = await hub.call('sesn_4', server, 'echo', { message: 'x' }, signal());
      expect(down).toEqual({
        content: [{ type: 'text', text: 'MCP server "everything": could not connect: connection refused' }],
        isError: true,
        error: {
          type: 'mcp_connection_failed_error',
          message: 'MCP server "everything": could not connect: connection refused',
        },
      });
      const [listed] = await hub.tools('sesn_4', [server], signal());
      expect(listed).toMatchObject({ tools: [], error: { type: 'mcp_connection_failed_error' } });
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      await everything.start();
    }

    expect(text(await hub.call('sesn_4', server, 'echo', { message: 'up' }, signal()))).toBe('Echo: up');
    expect((await hub.tools('sesn_4', [server], signal()))[0]?.tools.length).toBeGreaterThan(5);
  });

  it('reconnects transparently when the server restarted behind a live connection', async () => {
    const { source } = vault({ [everything.url]: { type: 'bearer', token: 'good-token' } });
    const hub = makeHub(source);
    const server = { name: 'everything', url: everything.url };
    expect(text(await hub.call('sesn_5', server, 'echo', { message: 'before' }, signal()))).toBe('Echo: before');

    await everything.stop();
    await everything.start();
    // The server forgot the MCP session (HTTP 404): the call was never run, so it is retried once.
    expect(text(await hub.call('sesn_5', server, 'echo', { message: 'after' }, signal()))).toBe('Echo: after');
  });

  it('gives up on a server that accepts connections but never answers within connectTimeoutMs', async () => {
    const sockets = new Set<net.Socket>();
    const blackHole = net.createServer((socket) => void sockets.add(socket));
    await listen(blackHole, 0);
    const url = `http://127.0.0.1:${(blackHole.address() as AddressInfo).port}/mcp`;
    try {
      const hub = makeHub(vault({}).source, { connectTimeoutMs: 400 });
      const started = Date.now();
      const [listed] = await hub.tools('sesn_6', [{ name: 'silent', url }], signal());
      expect(listed?.error).toEqual({
        type: 'mcp_connection_failed_error',
        message: 'MCP server "silent": could not connect: no answer within 400 ms',
      });
      expect(Date.now() - started).toBeLessThan(1_500);
      const called = await hub.call('sesn_6', { name: 'silent', url }, 'echo', { message: 'x' }, signal());
      expect(called.error?.type).toBe('mcp_connection_failed_error');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => blackHole.close(() => resolve()));
    }
  });

  it('connects again when the first connection is reset before any answer', async () => {
    // A TCP relay to server-everything that drops the first connection as soon as it carries a
    // request: what a client sees when it reuses a keep-alive socket the server just closed.
    let seen = 0;
    const target = Number(new URL(everything.url).port);
    const sockets = new Set<net.Socket>();
    const relay = net.createServer((socket) => {
      sockets.add(socket);
      if (++seen === 1) {
        socket.once('data', () => socket.destroy());
        return;
      }
      const upstream = net.connect(target, '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await listen(relay, 0);
    const url = `http://127.0.0.1:${(relay.address() as AddressInfo).port}/mcp`;
    try {
      const hub = makeHub(vault({ [url]: { type: 'bearer', token: 'good-token' } }).source);
      const [listed] = await hub.tools('sesn_9', [{ name: 'relayed', url }], signal());
      expect(listed?.error).toBeUndefined();
      expect(seen).toBeGreaterThan(1);
      await hub.close();
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    }
  });

  it('reports a recent failure from tools() without reconnecting, while call() always tries', async () => {
    let connections = 0;
    const refusing = net.createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await listen(refusing, 0);
    const server = { name: 'flaky', url: `http://127.0.0.1:${(refusing.address() as AddressInfo).port}/mcp` };
    try {
      const hub = makeHub(vault({}).source, { retryAfterFailureMs: 60_000 });
      const [first] = await hub.tools('sesn_10', [server], signal());
      expect(first?.error?.type).toBe('mcp_connection_failed_error');
      const afterFirst = connections;
      expect((await hub.tools('sesn_10', [server], signal()))[0]?.error).toEqual(first?.error);
      expect(connections).toBe(afterFirst);
      expect((await hub.call('sesn_10', server, 'echo', { message: 'x' }, signal())).error?.type).toBe(
        'mcp_connection_failed_error',
      );
      expect(connections).toBeGreaterThan(afterFirst);
    } finally {
      await new Promise<void>((resolve) => refusing.close(() => resolve()));
    }
  });

  it('closes a server connection the session has not used for idleCloseMs', async () => {
    const hub = makeHub(vault({ [everything.url]: { type: 'bearer', token: 'good-token' } }).source, {
      idleCloseMs: 100,
    });
    const server = { name: 'everything', url: everything.url };
    const before = new Set(everything.liveSessions());
    await hub.tools('sesn_11', [server], signal());
    const opened = everything.liveSessions().filter((id) => !before.has(id));
    expect(opened).toHaveLength(1);
    await expect.poll(() => everything.liveSessions(), { timeout: 2_000 }).not.toContain(opened[0]);
    // The next use simply connects again.
    expect(text(await hub.call('sesn_11', server, 'echo', { message: 'again' }, signal()))).toBe('Echo: again');
  });

  it('falls back to the legacy HTTP+SSE transport for a server that rejects the Streamable HTTP POST', async () => {
    const { source } = vault({ [everything.sseUrl]: { type: 'bearer', token: 'good-token' } });
    const hub = makeHub(source);
    const server = { name: 'legacy', url: everything.sseUrl };
    const [listed] = await hub.tools('sesn_7', [server], signal());
    expect(listed?.error).toBeUndefined();
    expect(listed?.tools.map((tool) => tool.name)).toContain('echo');
    expect(text(await hub.call('sesn_7', server, 'echo', { message: 'over sse' }, signal()))).toBe('Echo: over sse');
    const toSse = everything.requests.filter((r) => r.path === '/sse').map((r) => r.method);
    expect(toSse.slice(0, 2)).toEqual(['POST', 'GET']);
  });

  it('cancels a running call when the signal aborts, and ends MCP sessions on closeSession', async () => {
    const { source } = vault({ [everything.url]: { type: 'bearer', token: 'good-token' } });
    const hub = makeHub(source);
    const server = { name: 'everything', url: everything.url };
    const before = new Set(everything.liveSessions());
    await hub.tools('sesn_8', [server], signal());
    const opened = everything.liveSessions().filter((id) => !before.has(id));
    expect(opened).toHaveLength(1);

    const started = Date.now();
    const cancelled = await hub.call(
      'sesn_8',
      server,
      'trigger-long-running-operation',
      { duration: 10, steps: 10 },
      AbortSignal.timeout(200),
    );
    expect(cancelled).toEqual({
      content: [{ type: 'text', text: 'trigger-long-running-operation: cancelled' }],
      isError: true,
    });
    expect(Date.now() - started).toBeLessThan(2_000);

    await hub.closeSession('sesn_8');
    expect(everything.liveSessions()).not.toContain(opened[0]);
  });
});
