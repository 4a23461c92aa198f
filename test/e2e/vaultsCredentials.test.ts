import { BadRequestError, ConflictError, NotFoundError } from '@anthropic-ai/sdk';
import type {
  BetaManagedAgentsEnvironmentVariableCreateParams,
  BetaManagedAgentsMCPOAuthCreateParams,
  BetaManagedAgentsStaticBearerCreateParams,
  CredentialCreateParams,
} from '@anthropic-ai/sdk/resources/beta/vaults/credentials.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsForSession, mcpCredentialForSession } from '../../src/vault/sessionCredentials.js';
import { startTestBosun, type TestBosun } from '../helpers/bosun.js';
import { anyString, apiError, collect, createSession, matching } from '../helpers/fixtures.js';

let bosun: TestBosun;
beforeAll(async () => {
  bosun = await startTestBosun();
});
afterAll(() => bosun.close());

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
const newVault = async () => (await bosun.client.beta.vaults.create({ display_name: 'credentials test' })).id;
const credentials = () => bosun.client.beta.vaults.credentials;
const open = (sessionId: string) =>
  credentialsForSession({ resources: bosun.server.store, vault: bosun.server.vault }, sessionId);

const staticBearer: BetaManagedAgentsStaticBearerCreateParams = {
  type: 'static_bearer',
  token: 'sb-token-1',
  mcp_server_url: 'https://bearer.example.com/mcp',
};
const oauth = (expires_at = inAnHour()): BetaManagedAgentsMCPOAuthCreateParams & { refresh: object } => ({
  type: 'mcp_oauth',
  access_token: 'oauth-access-1',
  mcp_server_url: 'https://oauth.example.com/mcp',
  expires_at,
  refresh: {
    client_id: 'client-1',
    refresh_token: 'oauth-refresh-1',
    token_endpoint: 'https://auth.example.com/token',
    token_endpoint_auth: { type: 'client_secret_basic', client_secret: 'oauth-client-secret-1' },
    resource: 'https://oauth.example.com/',
    scope: 'read write',
  },
});
const envVar: BetaManagedAgentsEnvironmentVariableCreateParams = {
  type: 'environment_variable',
  secret_name: 'GITHUB_TOKEN',
  secret_value: 'env-secret-1',
  networking: { type: 'limited', allowed_hosts: ['api.github.com', '*.githubusercontent.com'] },
  injection_location: { header: true, body: false },
};

describe('credentials: create and retrieve each type', () => {
  it('static_bearer', async () => {
    const vaultId = await newVault();
    const credential = await credentials().create(vaultId, {
      auth: staticBearer,
      display_name: 'MCP',
      metadata: { a: '1' },
    });
    expect(credential).toEqual({
      id: matching(/^vcrd_[0-9a-f]{32}$/),
      type: 'vault_credential',
      vault_id: vaultId,
      display_name: 'MCP',
      metadata: { a: '1' },
      auth: { type: 'static_bearer', mcp_server_url: staticBearer.mcp_server_url },
      created_at: anyString,
      updated_at: anyString,
      archived_at: null,
    });
    expect(await credentials().retrieve(credential.id, { vault_id: vaultId })).toEqual(credential);
  });

  it('mcp_oauth with refresh settings, for every token_endpoint_auth', async () => {
    for (const tokenEndpointAuth of [
      { type: 'none' },
      { type: 'client_secret_basic', client_secret: 's1' },
      { type: 'client_secret_post', client_secret: 's2' },
    ] as const) {
      const vaultId = await newVault();
      const params = oauth();
      const credential = await credentials().create(vaultId, {
        auth: { ...params, refresh: { ...params.refresh, token_endpoint_auth: tokenEndpointAuth } },
      });
      expect(credential.auth).toEqual({
        type: 'mcp_oauth',
        mcp_server_url: params.mcp_server_url,
        expires_at: params.expires_at,
        refresh: {
          client_id: 'client-1',
          token_endpoint: 'https://auth.example.com/token',
          token_endpoint_auth: { type: tokenEndpointAuth.type },
          resource: 'https://oauth.example.com/',
          scope: 'read write',
        },
      });
      expect(credential.display_name).toBeNull();
      expect(await credentials().retrieve(credential.id, { vault_id: vaultId })).toEqual(credential);
    }
    const bare = await credentials().create(await newVault(), {
      auth: { type: 'mcp_oauth', access_token: 'x', mcp_server_url: 'https://m.example' },
    });
    expect(bare.auth).toEqual({
      type: 'mcp_oauth',
      mcp_server_url: 'https://m.example',
      expires_at: null,
      refresh: null,
    });
  });

  it('environment_variable with injection_location and networking', async () => {
    const vaultId = await newVault();
    const credential = await credentials().create(vaultId, { auth: envVar });
    expect(credential.auth).toEqual({
      type: 'environment_variable',
      secret_name: 'GITHUB_TOKEN',
      injection_location: { header: true, body: false },
      networking: { type: 'limited', allowed_hosts: ['api.github.com', '*.githubusercontent.com'] },
    });
    const defaults = await credentials().create(vaultId, {
      auth: {
        type: 'environment_variable',
        secret_name: 'OTHER',
        secret_value: 'v',
        networking: { type: 'unrestricted' },
      },
    });
    expect(defaults.auth).toMatchObject({
      injection_location: { header: true, body: false },
      networking: { type: 'unrestricted' },
    });
  });

  it('rejects invalid auth with 400 naming the field', async () => {
    const vaultId = await newVault();
    const cases: Array<[unknown, string]> = [
      [{ ...staticBearer, extra: 1 }, 'auth.extra'],
      [{ ...envVar, networking: { type: 'limited', allowed_hosts: ['https://x.example/path'] } }, 'allowed_hosts'],
      [{ ...envVar, injection_location: { header: false } }, 'injection_location'],
      [{ ...oauth(), expires_at: '2020-01-01T00:00:00Z' }, 'expires_at'],
      [{ type: 'basic' }, 'auth.type'],
      [{ ...staticBearer, token: '' }, 'auth.token'],
    ];
    for (const [auth, field] of cases) {
      const error = await apiError(credentials().create(vaultId, { auth } as CredentialCreateParams), BadRequestError);
      expect(error.message).toContain(field);
    }
    await apiError(
      credentials().create(vaultId, { auth: staticBearer, display_name: 'x'.repeat(256) }),
      BadRequestError,
    );
    await apiError(credentials().create('vlt_unknown', { auth: staticBearer }), NotFoundError);
  });

  it('holds one active credential per MCP server and per variable name in a vault (409)', async () => {
    const vaultId = await newVault();
    const first = await credentials().create(vaultId, { auth: staticBearer });
    const clash = await apiError(
      credentials().create(vaultId, { auth: { ...oauth(), mcp_server_url: 'https://BEARER.example.com/mcp/' } }),
      ConflictError,
    );
    expect(clash.message).toContain(first.id);
    await credentials().create(vaultId, { auth: envVar });
    await apiError(credentials().create(vaultId, { auth: { ...envVar, secret_value: 'other' } }), ConflictError);
    // Archiving frees the slot.
    await credentials().archive(first.id, { vault_id: vaultId });
    await credentials().create(vaultId, { auth: staticBearer });
  });

  it('answers 404 for a credential of another vault', async () => {
    const a = await newVault();
    const b = await newVault();
    const credential = await credentials().create(a, { auth: staticBearer });
    await apiError(credentials().retrieve(credential.id, { vault_id: b }), NotFoundError);
    await apiError(credentials().update(credential.id, { vault_id: b, display_name: 'x' }), NotFoundError);
    await apiError(credentials().delete(credential.id, { vault_id: b }), NotFoundError);
  });
});

describe('credentials: update rules', () => {
  it('rejects a change of auth.type', async () => {
    const vaultId = await newVault();
    const credential = await credentials().create(vaultId, { auth: staticBearer });
    const error = await apiError(
      credentials().update(credential.id, { vault_id: vaultId, auth: { type: 'mcp_oauth', access_token: 'x' } }),
      BadRequestError,
    );
    expect(error.message).toContain('auth.type');
  });

  it('rejects the immutable mcp_server_url, secret_name and refresh client_id by name', async () => {
    const vaultId = await newVault();
    const bearer = await credentials().create(vaultId, { auth: staticBearer });
    const oauthCredential = await credentials().create(vaultId, { auth: oauth() });
    const env = await credentials().create(vaultId, { auth: envVar });
    const attempts: Array<[string, unknown, string]> = [
      [bearer.id, { type: 'static_bearer', mcp_server_url: 'https://other.example' }, 'auth.mcp_server_url'],
      [env.id, { type: 'environment_variable', secret_name: 'OTHER' }, 'auth.secret_name'],
      [oauthCredential.id, { type: 'mcp_oauth', refresh: { client_id: 'other' } }, 'auth.refresh.client_id'],
    ];
    for (const [id, auth, field] of attempts) {
      const error = await apiError(credentials().update(id, { vault_id: vaultId, auth } as never), BadRequestError);
      expect(error.message).toContain(field);
      expect(error.message).toContain('cannot be changed');
    }
    expect((await credentials().retrieve(bearer.id, { vault_id: vaultId })).auth).toEqual(bearer.auth);
  });

  it('injection_location: an omitted location keeps its setting; at least one stays enabled', async () => {
    const vaultId = await newVault();
    const env = await credentials().create(vaultId, { auth: envVar });
    const both = await credentials().update(env.id, {
      vault_id: vaultId,
      auth: { type: 'environment_variable', injection_location: { body: true } },
    });
    expect(both.auth).toMatchObject({ injection_location: { header: true, body: true } });
    const bodyOnly = await credentials().update(env.id, {
      vault_id: vaultId,
      auth: { type: 'environment_variable', injection_location: { header: false } },
    });
    expect(bodyOnly.auth).toMatchObject({ injection_location: { header: false, body: true } });
    const error = await apiError(
      credentials().update(env.id, {
        vault_id: vaultId,
        auth: { type: 'environment_variable', injection_location: { body: false } },
      }),
      BadRequestError,
    );
    expect(error.message).toContain('injection_location');
    expect((await credentials().retrieve(env.id, { vault_id: vaultId })).auth).toMatchObject({
      injection_location: { header: false, body: true },
    });
  });

  it('networking is replaced as a whole', async () => {
    const vaultId = await newVault();
    const env = await credentials().create(vaultId, { auth: envVar });
    const updated = await credentials().update(env.id, {
      vault_id: vaultId,
      auth: { type: 'environment_variable', networking: { type: 'limited', allowed_hosts: ['example.org'] } },
    });
    expect(updated.auth).toMatchObject({ networking: { type: 'limited', allowed_hosts: ['example.org'] } });
    const open = await credentials().update(env.id, {
      vault_id: vaultId,
      auth: { type: 'environment_variable', networking: { type: 'unrestricted' } },
    });
    expect(open.auth).toMatchObject({ networking: { type: 'unrestricted' } });
  });

  it('a new access_token without expires_at keeps the old expiry; a new expires_at replaces it', async () => {
    const vaultId = await newVault();
    const expiry = inAnHour();
    const credential = await credentials().create(vaultId, { auth: oauth(expiry) });
    const kept = await credentials().update(credential.id, {
      vault_id: vaultId,
      auth: { type: 'mcp_oauth', access_token: 'oauth-access-2' },
    });
    expect(kept.auth).toMatchObject({ expires_at: expiry });
    const later = new Date(Date.now() + 7_200_000).toISOString();
    const moved = await credentials().update(credential.id, {
      vault_id: vaultId,
      auth: { type: 'mcp_oauth', access_token: 'oauth-access-3', expires_at: later },
    });
    expect(moved.auth).toMatchObject({ expires_at: later });
    await apiError(
      credentials().update(credential.id, {
        vault_id: vaultId,
        auth: { type: 'mcp_oauth', expires_at: '2001-01-01T00:00:00Z' },
      }),
      BadRequestError,
    );
  });

  it('refresh: new refresh token and secret, scope cleared with "", token_endpoint_auth type kept', async () => {
    const vaultId = await newVault();
    const credential = await credentials().create(vaultId, { auth: oauth() });
    const updated = await credentials().update(credential.id, {
      vault_id: vaultId,
      auth: {
        type: 'mcp_oauth',
        refresh: {
          refresh_token: 'oauth-refresh-2',
          scope: '',
          token_endpoint_auth: { type: 'client_secret_post', client_secret: 'oauth-client-secret-2' },
        },
      },
    });
    expect(updated.auth).toMatchObject({
      refresh: { scope: null, token_endpoint_auth: { type: 'client_secret_basic' } },
    });
  });

  it('patches metadata and display_name; unknown fields are a 400; archived credentials are read-only', async () => {
    const vaultId = await newVault();
    const credential = await credentials().create(vaultId, {
      auth: staticBearer,
      display_name: 'one',
      metadata: { a: '1', b: '2' },
    });
    const updated = await credentials().update(credential.id, {
      vault_id: vaultId,
      display_name: 'two',
      metadata: { a: null, c: '3' },
    });
    expect(updated).toMatchObject({ display_name: 'two', metadata: { b: '2', c: '3' } });
    expect(Object.keys(updated.metadata).sort()).toEqual(['b', 'c']);
    const unknown = await apiError(
      credentials().update(credential.id, { vault_id: vaultId, label: 'x' } as never),
      BadRequestError,
    );
    expect(unknown.message).toContain('label');
    await apiError(
      credentials().update(credential.id, { vault_id: vaultId, auth: { type: 'static_bearer', scope: 'x' } } as never),
      BadRequestError,
    );

    await credentials().archive(credential.id, { vault_id: vaultId });
    await apiError(credentials().update(credential.id, { vault_id: vaultId, display_name: 'three' }), BadRequestError);
  });
});

describe('credentials: list, archive, delete', () => {
  it('iterates across pages with `for await`; archived ones only with include_archived', async () => {
    const vaultId = await newVault();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const auth = { ...envVar, secret_name: `VAR_${i}` };
      ids.push((await credentials().create(vaultId, { auth })).id);
    }
    const page = await credentials().list(vaultId, { limit: 2 });
    expect(page.data).toHaveLength(2);
    expect(page.next_page).toEqual(anyString);
    expect((await collect(credentials().list(vaultId, { limit: 2 }))).map((c) => c.id)).toEqual(ids);

    const archived = await credentials().archive(ids[0]!, { vault_id: vaultId });
    expect(archived.archived_at).toEqual(anyString);
    expect((await collect(credentials().list(vaultId, { limit: 2 }))).map((c) => c.id)).toEqual(ids.slice(1));
    expect((await collect(credentials().list(vaultId, { limit: 2, include_archived: true }))).map((c) => c.id)).toEqual(
      ids,
    );
    await apiError(
      credentials()
        .list('vlt_unknown')
        .then((p) => p.data),
      NotFoundError,
    );
  });

  it('deletes a credential', async () => {
    const vaultId = await newVault();
    const credential = await credentials().create(vaultId, { auth: staticBearer });
    expect(await credentials().delete(credential.id, { vault_id: vaultId })).toEqual({
      id: credential.id,
      type: 'vault_credential_deleted',
    });
    await apiError(credentials().retrieve(credential.id, { vault_id: vaultId }), NotFoundError);
    await apiError(credentials().delete(credential.id, { vault_id: vaultId }), NotFoundError);
  });
});

describe('credentialsForSession', () => {
  it('opens the credentials of the session vaults: first vault wins, rotations apply, archived ones are skipped', async () => {
    const first = await newVault();
    const second = await newVault();
    const bearer = await credentials().create(first, { auth: staticBearer });
    const oauthCredential = await credentials().create(first, { auth: oauth() });
    await credentials().create(second, { auth: { ...staticBearer, token: 'loses-to-first-vault' } });
    const env = await credentials().create(second, { auth: envVar });
    const session = await createSession(bosun.client, { vault_ids: [first, second] });

    const opened = await open(session.id);
    expect(opened.mcp).toEqual([
      {
        credentialId: bearer.id,
        vaultId: first,
        type: 'static_bearer',
        mcpServerUrl: staticBearer.mcp_server_url,
        token: 'sb-token-1',
        expiresAt: null,
      },
      expect.objectContaining({ credentialId: oauthCredential.id, type: 'mcp_oauth', token: 'oauth-access-1' }),
    ]);
    expect(opened.environment).toEqual([
      {
        credentialId: env.id,
        vaultId: second,
        secretName: 'GITHUB_TOKEN',
        value: 'env-secret-1',
        injectionLocation: { header: true, body: false },
        networking: { type: 'limited', allowed_hosts: ['api.github.com', '*.githubusercontent.com'] },
      },
    ]);

    await credentials().update(bearer.id, { vault_id: first, auth: { type: 'static_bearer', token: 'sb-token-2' } });
    const rotated = await mcpCredentialForSession(
      { resources: bosun.server.store, vault: bosun.server.vault },
      session.id,
      'https://BEARER.example.com/mcp/',
    );
    expect(rotated?.token).toBe('sb-token-2');

    await credentials().archive(bearer.id, { vault_id: first });
    const afterArchive = await open(session.id);
    expect(afterArchive.mcp.find((c) => c.mcpServerUrl === staticBearer.mcp_server_url)?.token).toBe(
      'loses-to-first-vault',
    );
    // The archived credential's secrets are gone from the store, not just hidden.
    expect((await bosun.server.store.get<{ sealed: object }>('credential', bearer.id))?.body.sealed).toEqual({});
  });

  it('a session without vaults has no credentials', async () => {
    const session = await createSession(bosun.client);
    expect(await open(session.id)).toEqual({ mcp: [], environment: [] });
  });
});
