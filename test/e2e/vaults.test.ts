import { BadRequestError, NotFoundError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBosun, type TestBosun } from '../helpers/bosun.js';
import { anyString, apiError, collect, createSession, matching } from '../helpers/fixtures.js';

let bosun: TestBosun;
beforeAll(async () => {
  bosun = await startTestBosun();
});
afterAll(() => bosun.close());

const createVault = (name = 'test vault', metadata?: Record<string, string>) =>
  bosun.client.beta.vaults.create({ display_name: name, ...(metadata ? { metadata } : {}) });

const bearer = (url = 'https://mcp.example.com/mcp') => ({
  type: 'static_bearer' as const,
  token: 'tok-vault-test',
  mcp_server_url: url,
});

describe('vaults: create and retrieve', () => {
  it('creates a vault and retrieves the same object', async () => {
    const vault = await createVault('prod', { team: 'infra' });
    expect(vault).toEqual({
      id: matching(/^vlt_[0-9a-f]{32}$/),
      type: 'vault',
      display_name: 'prod',
      metadata: { team: 'infra' },
      created_at: anyString,
      updated_at: anyString,
      archived_at: null,
    });
    expect(Object.keys(vault).sort()).toEqual([
      'archived_at',
      'created_at',
      'display_name',
      'id',
      'metadata',
      'type',
      'updated_at',
    ]);
    expect(await bosun.client.beta.vaults.retrieve(vault.id)).toEqual(vault);
  });

  it('enforces display_name 1-255 characters, metadata limits and unknown fields', async () => {
    await createVault('x'.repeat(255));
    for (const params of [
      { display_name: '' },
      { display_name: 'x'.repeat(256) },
      { display_name: 'ok', metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) },
      { display_name: 'ok', metadata: { k: 'v'.repeat(513) } },
    ]) {
      await apiError(bosun.client.beta.vaults.create(params), BadRequestError);
    }
    const unknown = await apiError(
      bosun.client.beta.vaults.create({ display_name: 'ok', colour: 'red' } as never),
      BadRequestError,
    );
    expect(unknown.message).toContain('colour');
  });

  it('answers 404 for an unknown vault', async () => {
    const error = await apiError(bosun.client.beta.vaults.retrieve('vlt_unknown'), NotFoundError);
    expect(error.type).toBe('not_found_error');
  });
});

describe('vaults: update', () => {
  it('renames and patches metadata (null deletes, omitted keys are kept)', async () => {
    const vault = await createVault('before', { keep: 'k', drop: 'd' });
    const updated = await bosun.client.beta.vaults.update(vault.id, {
      display_name: 'after',
      metadata: { drop: null, add: 'a' },
    });
    expect(updated).toMatchObject({
      display_name: 'after',
      metadata: { keep: 'k', add: 'a' },
      created_at: vault.created_at,
    });
    expect(Object.keys(updated.metadata).sort()).toEqual(['add', 'keep']);
    expect(await bosun.client.beta.vaults.update(vault.id, {})).toMatchObject({ display_name: 'after' });
    expect(await bosun.client.beta.vaults.retrieve(vault.id)).toMatchObject({ display_name: 'after' });
  });

  it('rejects a patch that would exceed 16 metadata pairs, an empty name and unknown fields', async () => {
    const vault = await createVault('full', Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, 'v'])));
    await apiError(bosun.client.beta.vaults.update(vault.id, { metadata: { extra: 'v' } }), BadRequestError);
    await apiError(bosun.client.beta.vaults.update(vault.id, { display_name: '' }), BadRequestError);
    await apiError(bosun.client.beta.vaults.update(vault.id, { name: 'x' } as never), BadRequestError);
    await apiError(bosun.client.beta.vaults.update('vlt_unknown', {}), NotFoundError);
  });
});

describe('vaults: list', () => {
  it('iterates across pages with `for await` and hides archived vaults by default', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createVault(`list ${i}`)).id);
    const archived = await createVault('archived');
    await bosun.client.beta.vaults.archive(archived.id);

    const first = await bosun.client.beta.vaults.list({ limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.next_page).toEqual(anyString);

    const seen = (await collect(bosun.client.beta.vaults.list({ limit: 2 }))).map((v) => v.id);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => ids.includes(id))).toEqual(ids);
    expect(seen).not.toContain(archived.id);
    const all = (await collect(bosun.client.beta.vaults.list({ limit: 2, include_archived: true }))).map((v) => v.id);
    expect(all).toContain(archived.id);
  });
});

describe('vaults: archive', () => {
  it('archives the vault and its credentials; it can take no credential and join no session', async () => {
    const vault = await createVault('to archive');
    const credential = await bosun.client.beta.vaults.credentials.create(vault.id, { auth: bearer() });
    const archived = await bosun.client.beta.vaults.archive(vault.id);
    expect(archived.archived_at).toEqual(anyString);
    expect((await bosun.client.beta.vaults.retrieve(vault.id)).archived_at).toBe(archived.archived_at);
    // Archiving again is a no-op.
    expect((await bosun.client.beta.vaults.archive(vault.id)).archived_at).toBe(archived.archived_at);

    const stored = await bosun.client.beta.vaults.credentials.retrieve(credential.id, { vault_id: vault.id });
    expect(stored.archived_at).toEqual(anyString);
    expect(await collect(bosun.client.beta.vaults.credentials.list(vault.id))).toEqual([]);

    await apiError(bosun.client.beta.vaults.credentials.create(vault.id, { auth: bearer() }), BadRequestError);
    await apiError(bosun.client.beta.vaults.update(vault.id, { display_name: 'nope' }), BadRequestError);
    const error = await apiError(createSession(bosun.client, { vault_ids: [vault.id] }), BadRequestError);
    expect(error.message).toContain(vault.id);
  });
});

describe('vaults: delete', () => {
  it('deletes the vault and its credentials', async () => {
    const vault = await createVault('to delete');
    const credential = await bosun.client.beta.vaults.credentials.create(vault.id, { auth: bearer() });
    expect(await bosun.client.beta.vaults.delete(vault.id)).toEqual({ id: vault.id, type: 'vault_deleted' });
    await apiError(bosun.client.beta.vaults.retrieve(vault.id), NotFoundError);
    await apiError(bosun.client.beta.vaults.credentials.retrieve(credential.id, { vault_id: vault.id }), NotFoundError);
    expect(await bosun.server.store.get('credential', credential.id)).toBeNull();
    await apiError(bosun.client.beta.vaults.delete(vault.id), NotFoundError);
  });
});

describe('sessions with vault_ids', () => {
  it('stores existing vault ids and rejects unknown ones with 404', async () => {
    const vault = await createVault('for sessions');
    const session = await createSession(bosun.client, { vault_ids: [vault.id] });
    expect(session.vault_ids).toEqual([vault.id]);
    expect((await bosun.client.beta.sessions.retrieve(session.id)).vault_ids).toEqual([vault.id]);
    await apiError(createSession(bosun.client, { vault_ids: [vault.id, 'vlt_missing'] }), NotFoundError);
  });
});
