import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic, { BadRequestError } from '@anthropic-ai/sdk';
import type { BetaManagedAgentsSessionEvent } from '@anthropic-ai/sdk/resources/beta/sessions/events.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel } from '../../src/models/scripted/scriptedModelServer.js';
import type { VaultBody } from '../../src/protocol/vault.js';
import { resolveConfig } from '../../src/server/config.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { generateMasterKey, parseMasterKey } from '../../src/vault/crypto/masterKey.js';
import { credentialsForSession } from '../../src/vault/sessionCredentials.js';
import { FAST_LIMITS, startTestBosun, type TestBosun } from '../helpers/bosun.js';
import { apiError, collect, createSession, userMessage } from '../helpers/fixtures.js';

/** Distinct, greppable values; each must never leave the server in clear. */
const secret = (name: string) => `${name}-${randomBytes(12).toString('hex')}`;
const SECRETS = {
  bearer: secret('bearer'),
  bearerRotated: secret('bearer-rotated'),
  access: secret('access'),
  accessRotated: secret('access-rotated'),
  refresh: secret('refresh'),
  refreshRotated: secret('refresh-rotated'),
  clientSecret: secret('client-secret'),
  clientSecretRotated: secret('client-secret-rotated'),
  env: secret('env'),
  envRotated: secret('env-rotated'),
  rejected: secret('rejected'),
};
const ALL = Object.values(SECRETS);
const leaked = (text: string) => ALL.filter((value) => text.includes(value));

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

/** Every file under the data dir, raw: the database, its WAL and anything else written there. */
function dataDirBytes(dir: string): Array<{ file: string; bytes: Buffer }> {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const file = join(entry.parentPath, entry.name);
      return { file, bytes: readFileSync(file) };
    });
}

/** Creates one credential of each type (plus rotations) through `client`; returns the session using them. */
async function exerciseVault(client: Anthropic) {
  const credentials = client.beta.vaults.credentials;
  const vault = await client.beta.vaults.create({ display_name: 'secrets' });
  const bearer = await credentials.create(vault.id, {
    auth: { type: 'static_bearer', token: SECRETS.bearer, mcp_server_url: 'https://mcp.example.com/mcp' },
  });
  const oauth = await credentials.create(vault.id, {
    auth: {
      type: 'mcp_oauth',
      access_token: SECRETS.access,
      mcp_server_url: 'https://oauth.example.com/mcp',
      expires_at: inAnHour(),
      refresh: {
        client_id: 'client',
        refresh_token: SECRETS.refresh,
        token_endpoint: 'https://auth.example.com/token',
        token_endpoint_auth: { type: 'client_secret_post', client_secret: SECRETS.clientSecret },
      },
    },
  });
  const env = await credentials.create(vault.id, {
    auth: {
      type: 'environment_variable',
      secret_name: 'API_KEY',
      secret_value: SECRETS.env,
      networking: { type: 'limited', allowed_hosts: ['api.example.com'] },
    },
  });
  for (const { id } of [bearer, oauth, env]) await credentials.retrieve(id, { vault_id: vault.id });
  await credentials.update(bearer.id, {
    vault_id: vault.id,
    auth: { type: 'static_bearer', token: SECRETS.bearerRotated },
  });
  await credentials.update(oauth.id, {
    vault_id: vault.id,
    auth: {
      type: 'mcp_oauth',
      access_token: SECRETS.accessRotated,
      refresh: {
        refresh_token: SECRETS.refreshRotated,
        token_endpoint_auth: { type: 'client_secret_post', client_secret: SECRETS.clientSecretRotated },
      },
    },
  });
  await credentials.update(env.id, {
    vault_id: vault.id,
    auth: { type: 'environment_variable', secret_value: SECRETS.envRotated },
  });
  await collect(credentials.list(vault.id, { limit: 1 }));
  // Rejected requests that carry a secret: the error must not echo it.
  await apiError(
    credentials.create(vault.id, { auth: { type: 'static_bearer', token: SECRETS.rejected, mcp_server_url: 'nope' } }),
    BadRequestError,
  );
  await apiError(
    credentials.update(env.id, {
      vault_id: vault.id,
      auth: { type: 'environment_variable', secret_value: SECRETS.rejected, secret_name: 'X' },
    } as never),
    BadRequestError,
  );
  await apiError(
    credentials.update(bearer.id, { vault_id: vault.id, auth: { type: 'mcp_oauth', access_token: SECRETS.rejected } }),
    BadRequestError,
  );
  const agent = await client.beta.agents.create({ name: 'vault user', model: 'claude-sonnet-4-6' });
  const session = await createSession(client, { agent: agent.id, vault_ids: [vault.id] });
  await client.beta.sessions.retrieve(session.id);
  return { vault, session, credentialIds: [bearer.id, oauth.id, env.id] };
}

/** A client that keeps the text of every response it receives. */
function recordingClient(client: Anthropic) {
  const bodies: string[] = [];
  const recording: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    bodies.push(`${response.status} ${await response.clone().text()}`);
    return response;
  };
  return { client: client.withOptions({ fetch: recording }), bodies };
}

describe('secrets are write-only (brain off)', () => {
  let bosun: TestBosun;
  beforeAll(async () => {
    bosun = await startTestBosun();
  });
  afterAll(() => bosun.close());

  it('no response of any vault, credential, session or event call contains a secret, nor does the disk', async () => {
    const { client, bodies } = recordingClient(bosun.client);
    const { vault, session, credentialIds } = await exerciseVault(client);
    await client.beta.sessions.events.send(session.id, { events: [userMessage('use the vault')] });
    await collect(client.beta.sessions.events.list(session.id));
    await client.beta.vaults.credentials.archive(credentialIds[0]!, { vault_id: vault.id });
    await collect(client.beta.vaults.credentials.list(vault.id, { include_archived: true }));
    await client.beta.vaults.archive(vault.id);
    expect(bodies.length).toBeGreaterThan(20);
    expect(bodies.filter((body) => body.startsWith('400 '))).toHaveLength(3);
    expect(leaked(bodies.join('\n'))).toEqual([]);

    // The secrets were stored (sealed) — and the archive discarded the archived ones.
    const stored = await bosun.server.store.get<{ sealed: Record<string, unknown> }>('credential', credentialIds[1]!);
    expect(stored?.body.sealed).toEqual({});

    const files = dataDirBytes(bosun.dataDir);
    // Control: the scan does see what the database holds.
    expect(files.some(({ bytes }) => bytes.includes(credentialIds[2]!) && bytes.includes('API_KEY'))).toBe(true);
    for (const { file, bytes } of files) {
      for (const value of ALL) expect(bytes.includes(value), `${value} in ${file}`).toBe(false);
    }
  });

  it('a session sees the opened secrets only through credentialsForSession; the database holds ciphertext', async () => {
    const { session } = await exerciseVault(bosun.client);
    const opened = await credentialsForSession(
      { resources: bosun.server.store, vault: bosun.server.vault },
      session.id,
    );
    expect(opened.mcp.map((c) => c.token).sort()).toEqual([SECRETS.accessRotated, SECRETS.bearerRotated].sort());
    expect(opened.environment.map((c) => c.value)).toEqual([SECRETS.envRotated]);
    for (const { file, bytes } of dataDirBytes(bosun.dataDir)) {
      for (const value of ALL) expect(bytes.includes(value), `${value} in ${file}`).toBe(false);
    }
  });
});

describe('secrets stay out of a running session (brain on)', () => {
  it('events and model requests of a session using the vault carry no secret', async () => {
    const model = await startScriptedModel({});
    const bosun = await startTestBosun({ modelUrl: model.url, limits: FAST_LIMITS });
    try {
      const { session } = await exerciseVault(bosun.client);
      model.enqueue({ content: [{ type: 'text', text: 'Done.' }] });
      await bosun.client.beta.sessions.events.send(session.id, { events: [userMessage('call the MCP server')] });
      let events: BetaManagedAgentsSessionEvent[] = [];
      const deadline = Date.now() + 15_000;
      while (!events.some((event) => event.type === 'session.status_idle') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        events = await collect(bosun.client.beta.sessions.events.list(session.id));
      }
      expect(events.map((event) => event.type)).toContain('agent.message');
      expect(leaked(JSON.stringify(events))).toEqual([]);
      expect(model.requests.length).toBeGreaterThan(0);
      expect(leaked(JSON.stringify(model.requests))).toEqual([]);
    } finally {
      await bosun.close();
      await model.close();
    }
  });
});

describe('encryption at rest', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'bosun-keys-'));
    dirs.push(dir);
    return dir;
  };

  async function boot(dataDir: string, env: NodeJS.ProcessEnv = {}) {
    const config = { ...resolveConfig({ host: '127.0.0.1', port: 0, dataDir }, env), logLevel: 'silent', brain: false };
    const server = await startServer(config);
    const client = new Anthropic({ baseURL: server.url, apiKey: server.apiKey, maxRetries: 0 });
    return { server, client };
  }
  const opened = (server: RunningServer, sessionId: string) =>
    credentialsForSession({ resources: server.store, vault: server.vault }, sessionId);
  const dataKeyOwner = async (server: RunningServer, vaultId: string) =>
    (await server.store.get<VaultBody>('vault', vaultId))?.body.data_key?.masterKeyId;

  it('creates master.key (0600) on first start and opens every secret after a restart', async () => {
    const dataDir = tempDir();
    const first = await boot(dataDir);
    expect(statSync(join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);
    const { session } = await exerciseVault(first.client);
    await first.server.close();

    const second = await boot(dataDir);
    try {
      expect((await opened(second.server, session.id)).environment[0]?.value).toBe(SECRETS.envRotated);
    } finally {
      await second.server.close();
    }
  });

  it('a wrong master key fails to start; rotation rewraps the data keys and old secrets still open', async () => {
    const dataDir = tempDir();
    const keyA = generateMasterKey();
    const keyB = generateMasterKey();
    const idA = parseMasterKey(keyA, 'a').id;
    const idB = parseMasterKey(keyB, 'b').id;

    const a = await boot(dataDir, { BOSUN_MASTER_KEY: keyA });
    const { vault, session } = await exerciseVault(a.client);
    expect(await dataKeyOwner(a.server, vault.id)).toBe(idA);
    await a.server.close();

    // Another key, without the old one: refuse to start rather than run with unreadable secrets.
    const wrong = boot(dataDir, { BOSUN_MASTER_KEY: keyB });
    await expect(wrong).rejects.toThrow(idA);
    await expect(wrong).rejects.toThrow(/BOSUN_PREVIOUS_MASTER_KEYS/);

    // Rotation: B current, A previous. The start rewraps every data key under B.
    const rotating = await boot(dataDir, { BOSUN_MASTER_KEY: keyB, BOSUN_PREVIOUS_MASTER_KEYS: keyA });
    expect(await dataKeyOwner(rotating.server, vault.id)).toBe(idB);
    await rotating.server.close();

    // A is no longer needed; secrets sealed under A's era still open with B alone.
    const b = await boot(dataDir, { BOSUN_MASTER_KEY: keyB });
    try {
      const creds = await opened(b.server, session.id);
      expect(creds.mcp.map((c) => c.token).sort()).toEqual([SECRETS.accessRotated, SECRETS.bearerRotated].sort());
      expect(creds.environment.map((c) => c.value)).toEqual([SECRETS.envRotated]);
      // New secrets in the same vault use the same (rewrapped) data key.
      await b.client.beta.vaults.credentials.create(vault.id, {
        auth: { type: 'static_bearer', token: 'new-after-rotation', mcp_server_url: 'https://new.example/mcp' },
      });
      expect((await opened(b.server, session.id)).mcp.map((c) => c.token)).toContain('new-after-rotation');
    } finally {
      await b.server.close();
    }

    // And the old key alone no longer starts.
    await expect(boot(dataDir, { BOSUN_MASTER_KEY: keyA })).rejects.toThrow(idB);
    // Nor did any step write a secret in clear.
    for (const { file, bytes } of dataDirBytes(dataDir)) {
      for (const value of ALL) expect(bytes.includes(value), `${value} in ${file}`).toBe(false);
    }
  });
});
