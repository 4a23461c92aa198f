import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BadRequestError, NotFoundError } from '@anthropic-ai/sdk';
import type { BetaManagedAgentsMCPOAuthCreateParams } from '@anthropic-ai/sdk/resources/beta/vaults/credentials.mjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { credentialsForSession } from '../../src/vault/sessionCredentials.js';
import { startTestBosun, type TestBosun } from '../helpers/bosun.js';
import { anyString, apiError, createSession } from '../helpers/fixtures.js';

/** A Streamable HTTP MCP server and an OAuth token endpoint, on loopback. */
interface FakeOAuth {
  url: string;
  validTokens: Set<string>;
  mcpCalls: string[];
  tokenRequests: Array<{ authorization: string | undefined; form: URLSearchParams }>;
  close(): Promise<void>;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => resolve(text));
  });

async function startFakeOAuth(): Promise<FakeOAuth> {
  const validTokens = new Set<string>();
  const mcpCalls: string[] = [];
  const tokenRequests: FakeOAuth['tokenRequests'] = [];
  let issued = 0;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) =>
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
    if (req.url === '/mcp' || req.url === '/forbidden') {
      if (req.method === 'DELETE') return res.writeHead(204).end();
      const authorization = req.headers.authorization ?? '';
      // Echo what was sent, as careless servers do: the probe must scrub it.
      if (req.url === '/forbidden') return json(403, { error: 'insufficient_scope', received: authorization });
      if (!validTokens.has(authorization.replace(/^Bearer /, ''))) {
        return json(
          401,
          { error: 'invalid_token', received: authorization },
          { 'www-authenticate': 'Bearer error="invalid_token"' },
        );
      }
      const message = JSON.parse(body) as { id?: number; method: string };
      mcpCalls.push(message.method);
      if (message.id === undefined) return res.writeHead(202).end();
      return json(200, { jsonrpc: '2.0', id: message.id, result: {} }, { 'mcp-session-id': 'mcp-session-1' });
    }
    if (req.url === '/token') {
      const form = new URLSearchParams(body);
      tokenRequests.push({ authorization: req.headers.authorization, form });
      if (form.get('grant_type') === 'refresh_token' && form.get('refresh_token') === 'rt-good') {
        const token = `refreshed-access-${++issued}`;
        validTokens.add(token);
        return json(200, { access_token: token, token_type: 'Bearer', expires_in: 3600 });
      }
      return json(400, {
        error: 'invalid_grant',
        error_description: `unknown refresh token ${form.get('refresh_token')}`,
      });
    }
    res.writeHead(404).end();
  };
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    validTokens,
    mcpCalls,
    tokenRequests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/mcp`;
}

let bosun: TestBosun;
let fake: FakeOAuth;
let vaultId: string;
beforeAll(async () => {
  bosun = await startTestBosun();
  fake = await startFakeOAuth();
});
afterAll(async () => {
  await bosun.close();
  await fake.close();
});
beforeEach(async () => {
  // One vault per test: a vault holds one credential per MCP server.
  vaultId = (await bosun.client.beta.vaults.create({ display_name: 'probe' })).id;
  fake.mcpCalls.length = 0;
  fake.tokenRequests.length = 0;
  fake.validTokens.clear();
  fake.validTokens.add('good-access');
});

const credentials = () => bosun.client.beta.vaults.credentials;
const validate = (id: string) => credentials().mcpOAuthValidate(id, { vault_id: vaultId });

function oauth(overrides: Partial<BetaManagedAgentsMCPOAuthCreateParams> = {}): BetaManagedAgentsMCPOAuthCreateParams {
  return {
    type: 'mcp_oauth',
    access_token: 'good-access',
    mcp_server_url: `${fake.url}/mcp`,
    expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    refresh: {
      client_id: 'client-1',
      refresh_token: 'rt-good',
      token_endpoint: `${fake.url}/token`,
      token_endpoint_auth: { type: 'client_secret_basic', client_secret: 'cs-1' },
      scope: 'mcp',
    },
    ...overrides,
  };
}

describe('credentials.mcpOAuthValidate', () => {
  it('valid: the MCP server accepts the token (initialize, initialized, tools/list)', async () => {
    const credential = await credentials().create(vaultId, { auth: oauth() });
    expect(await validate(credential.id)).toEqual({
      type: 'vault_credential_validation',
      credential_id: credential.id,
      vault_id: vaultId,
      status: 'valid',
      has_refresh_token: true,
      mcp_probe: null,
      refresh: null,
      validated_at: anyString,
    });
    expect(fake.mcpCalls).toEqual(['initialize', 'notifications/initialized', 'tools/list']);
    expect(fake.tokenRequests).toEqual([]);
  });

  it('a 401 triggers a refresh (client_secret_basic); success stores the new token, unknown until validated again', async () => {
    const credential = await credentials().create(vaultId, { auth: oauth({ access_token: 'stale-access' }) });
    const result = await validate(credential.id);
    expect(result).toMatchObject({
      status: 'unknown',
      has_refresh_token: true,
      refresh: { status: 'succeeded', http_response: null },
      mcp_probe: {
        method: 'initialize',
        http_response: { status_code: 401, content_type: 'application/json', body_truncated: false },
      },
    });
    expect(result.mcp_probe?.http_response?.body).toContain('invalid_token');
    expect(JSON.stringify(result)).not.toContain('stale-access');

    const [request] = fake.tokenRequests;
    expect(request?.authorization).toBe(`Basic ${Buffer.from('client-1:cs-1').toString('base64')}`);
    expect(Object.fromEntries(request!.form)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'rt-good',
      scope: 'mcp',
    });

    const stored = await credentials().retrieve(credential.id, { vault_id: vaultId });
    const expiresAt = Date.parse((stored.auth as { expires_at: string }).expires_at);
    expect(expiresAt).toBeGreaterThan(Date.now() + 3_500_000);
    expect(await validate(credential.id)).toMatchObject({ status: 'valid', refresh: null });

    const session = await createSession(bosun.client, { vault_ids: [vaultId] });
    const opened = await credentialsForSession(
      { resources: bosun.server.store, vault: bosun.server.vault },
      session.id,
    );
    expect(opened.mcp[0]?.token).toBe('refreshed-access-1');
  });

  it('client_secret_post sends the client credentials in the form', async () => {
    const params = oauth({ access_token: 'stale-access' });
    const credential = await credentials().create(vaultId, {
      auth: {
        ...params,
        refresh: { ...params.refresh!, token_endpoint_auth: { type: 'client_secret_post', client_secret: 'cs-post' } },
      },
    });
    expect((await validate(credential.id)).refresh?.status).toBe('succeeded');
    expect(fake.tokenRequests[0]?.authorization).toBeUndefined();
    expect(fake.tokenRequests[0]?.form.get('client_id')).toBe('client-1');
    expect(fake.tokenRequests[0]?.form.get('client_secret')).toBe('cs-post');
  });

  it('invalid: the refresh is refused; the captured token-endpoint answer is scrubbed', async () => {
    const params = oauth({ access_token: 'stale-access' });
    const credential = await credentials().create(vaultId, {
      auth: { ...params, refresh: { ...params.refresh!, refresh_token: 'rt-revoked' } },
    });
    const result = await validate(credential.id);
    expect(result).toMatchObject({
      status: 'invalid',
      refresh: { status: 'failed', http_response: { status_code: 400, body_truncated: false } },
      mcp_probe: { method: 'initialize' },
    });
    expect(result.refresh?.http_response?.body).toContain('invalid_grant');
    expect(JSON.stringify(result)).not.toContain('rt-revoked');
    expect(JSON.stringify(result)).not.toContain('cs-1');
  });

  it('invalid: a 401 and no refresh token', async () => {
    const credential = await credentials().create(vaultId, {
      auth: oauth({ access_token: 'stale-access', refresh: null }),
    });
    expect(await validate(credential.id)).toMatchObject({
      status: 'invalid',
      has_refresh_token: false,
      refresh: { status: 'no_refresh_token', http_response: null },
    });
  });

  it('invalid without a refresh attempt on a 403', async () => {
    const credential = await credentials().create(vaultId, {
      auth: oauth({ mcp_server_url: `${fake.url}/forbidden` }),
    });
    const result = await validate(credential.id);
    expect(result).toMatchObject({
      status: 'invalid',
      refresh: null,
      mcp_probe: { method: 'initialize', http_response: { status_code: 403 } },
    });
    expect(JSON.stringify(result)).not.toContain('good-access');
    expect(fake.tokenRequests).toEqual([]);
  });

  it('unknown when the MCP server cannot be reached', async () => {
    const credential = await credentials().create(vaultId, { auth: oauth({ mcp_server_url: await closedPortUrl() }) });
    expect(await validate(credential.id)).toMatchObject({
      status: 'unknown',
      mcp_probe: { method: 'initialize', http_response: null },
      refresh: null,
    });
  });

  it('only for active mcp_oauth credentials of the vault', async () => {
    const bearer = await credentials().create(vaultId, {
      auth: { type: 'static_bearer', token: 't', mcp_server_url: `${fake.url}/mcp` },
    });
    await apiError(validate(bearer.id), BadRequestError);
    await apiError(validate('vcrd_unknown'), NotFoundError);
    const other = (await bosun.client.beta.vaults.create({ display_name: 'other' })).id;
    const archived = await credentials().create(other, { auth: oauth() });
    await credentials().archive(archived.id, { vault_id: other });
    await apiError(credentials().mcpOAuthValidate(archived.id, { vault_id: other }), BadRequestError);
  });
});

describe('credentialsForSession refreshes an access token about to expire', () => {
  it('refreshes, stores and hands out the new token', async () => {
    const credential = await credentials().create(vaultId, {
      auth: oauth({ access_token: 'nearly-expired', expires_at: new Date(Date.now() + 30_000).toISOString() }),
    });
    const session = await createSession(bosun.client, { vault_ids: [vaultId] });
    const opened = await credentialsForSession(
      { resources: bosun.server.store, vault: bosun.server.vault },
      session.id,
    );
    expect(opened.mcp[0]).toMatchObject({ credentialId: credential.id, token: anyString });
    expect(opened.mcp[0]?.token).toMatch(/^refreshed-access-/);
    expect(Date.parse(opened.mcp[0]!.expiresAt!)).toBeGreaterThan(Date.now() + 3_500_000);
    expect(fake.tokenRequests).toHaveLength(1);
  });
});
