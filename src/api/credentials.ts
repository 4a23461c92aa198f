import type { BetaManagedAgentsCredential } from '@anthropic-ai/sdk/resources/beta/vaults/credentials.js';
import { Hono } from 'hono';
import { z } from 'zod';
import { conflict, invalidRequest, notFound } from '../core/errors.js';
import type { ResourceRecord, ResourceStore } from '../core/resourceStore.js';
import type { SealedSecret, Vault } from '../core/vault.js';
import { credentialCreateSchema, credentialUpdateSchema, immutableCredentialFields } from '../protocol/credential.js';
import {
  applyCredentialUpdate,
  buildCredentialAuth,
  credentialSlot,
  credentialUpdateSecrets,
  CredentialRuleError,
  publicAuth,
  SECRET_FIELDS,
  type CredentialBody,
  type SecretValues,
} from '../protocol/credentialAuth.js';
import { newId } from '../protocol/ids.js';
import { metadataSchema, type VaultBody } from '../protocol/vault.js';
import type { ApiDeps } from './context.js';
import { booleanQuery, pageQueryShape } from './pagination.js';
import { parseQuery, queryObject } from './query.js';
import { listPage, loadRecord, newRecord, updateRecord } from './records.js';
import { parseInput, readJson } from './validate.js';

type Body = CredentialBody<SealedSecret>;
type CredentialRecord = ResourceRecord<Body>;

const listQuerySchema = z.strictObject({ ...pageQueryShape, include_archived: booleanQuery.default(false) });
const PAGE = 100;

/** Field by field: `sealed` and anything else stored beside the public fields stays in. */
export function renderCredential(record: CredentialRecord): BetaManagedAgentsCredential {
  return {
    id: record.id,
    type: 'vault_credential',
    vault_id: record.parentId ?? '',
    display_name: record.body.display_name,
    metadata: { ...record.body.metadata },
    auth: publicAuth(record.body.auth),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    archived_at: record.archivedAt,
  };
}

/**
 * Each write-only value sealed on its own, bound to its vault, credential and field. The same
 * layout as `src/vault/credentialSecrets.ts`, which the API may not import (it reaches the vault
 * only through the `Vault` port).
 */
async function sealSecrets(vault: Vault, vaultId: string, credentialId: string, secrets: SecretValues) {
  const sealed: Body['sealed'] = {};
  for (const field of SECRET_FIELDS) {
    const value = secrets[field];
    if (value !== undefined) sealed[field] = await vault.seal(value, { vaultId, credentialId, field });
  }
  return sealed;
}

function rule<T>(apply: () => T): T {
  try {
    return apply();
  } catch (error) {
    if (error instanceof CredentialRuleError) throw invalidRequest(`Invalid request body: ${error.message}`);
    throw error;
  }
}

async function allCredentials(
  store: ResourceStore,
  vaultId: string,
  includeArchived: boolean,
): Promise<CredentialRecord[]> {
  const out: CredentialRecord[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.list<Body>('credential', {
      parentId: vaultId,
      includeArchived,
      limit: PAGE,
      ...(after !== undefined ? { after } : {}),
    });
    out.push(...page);
    if (page.length < PAGE) return out;
    after = page[page.length - 1]?.id;
  }
}

const archived = (record: CredentialRecord, at: string): CredentialRecord => ({
  ...record,
  archivedAt: at,
  // An archived credential can never be used again, so its secrets go.
  body: { ...record.body, sealed: {} },
});

/** Archives every active credential of a vault (the vault archive cascade). */
export async function archiveCredentialsOf(deps: ApiDeps, vaultId: string): Promise<void> {
  for (const credential of await allCredentials(deps.resources, vaultId, false)) {
    await updateRecord<Body>(deps.resources, 'credential', credential.id, (current) =>
      current.archivedAt ? null : { record: archived(current, new Date().toISOString()) },
    );
  }
}

export async function deleteCredentialsOf(deps: ApiDeps, vaultId: string): Promise<void> {
  for (const credential of await allCredentials(deps.resources, vaultId, true)) {
    await deps.resources.delete('credential', credential.id);
  }
}

/** Routes under `/v1/vaults/:vault_id/credentials`. */
export function credentialRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const store = deps.resources;

  const loadVault = (id: string) => loadRecord<VaultBody>(store, 'vault', id);

  async function loadCredential(vaultId: string, id: string): Promise<CredentialRecord> {
    await loadVault(vaultId);
    const record = await store.get<Body>('credential', id);
    if (!record || record.parentId !== vaultId) throw notFound('credential', id);
    return record;
  }

  app.post('/', async (c) => {
    const vaultId = c.req.param('vault_id') ?? '';
    const params = parseInput(credentialCreateSchema, readJson(c));
    const vault = await loadVault(vaultId);
    if (vault.archivedAt) throw invalidRequest(`Vault ${vaultId} is archived and cannot take new credentials.`);
    const { auth, secrets } = rule(() => buildCredentialAuth(params.auth, new Date()));
    const slot = credentialSlot(auth);
    const clash = (await allCredentials(store, vaultId, false)).find(
      (other) => credentialSlot(other.body.auth) === slot,
    );
    if (clash) {
      const what =
        auth.type === 'environment_variable' ? `secret_name ${auth.secret_name}` : `MCP server ${auth.mcp_server_url}`;
      throw conflict(
        `Vault ${vaultId} already has an active credential for ${what} (${clash.id}); update or archive it first.`,
      );
    }
    const id = newId('credential');
    const body: Body = {
      display_name: params.display_name ?? null,
      metadata: { ...params.metadata },
      auth,
      sealed: await sealSecrets(deps.vault, vaultId, id, secrets),
    };
    const record = newRecord('credential', id, body, { parentId: vaultId });
    await store.insert(record);
    return c.json(renderCredential(record));
  });

  app.get('/', async (c) => {
    const vaultId = c.req.param('vault_id') ?? '';
    const query = parseInput(listQuerySchema, queryObject(parseQuery(c.req.url)), 'query');
    await loadVault(vaultId);
    const page = await listPage<Body>(store, 'credential', {
      parentId: vaultId,
      limit: query.limit,
      page: query.page,
      includeArchived: query.include_archived,
    });
    return c.json({ data: page.data.map(renderCredential), next_page: page.next_page });
  });

  app.get('/:credential_id', async (c) =>
    c.json(renderCredential(await loadCredential(c.req.param('vault_id') ?? '', c.req.param('credential_id')))),
  );

  app.post('/:credential_id', async (c) => {
    const vaultId = c.req.param('vault_id') ?? '';
    const id = c.req.param('credential_id');
    const raw = readJson(c);
    const immutable = immutableCredentialFields(raw);
    if (immutable.length > 0) {
      throw invalidRequest(
        `Invalid request body: ${immutable.join(', ')}: cannot be changed after the credential is created; create a new credential instead.`,
      );
    }
    const params = parseInput(credentialUpdateSchema, raw);
    const first = await loadCredential(vaultId, id);
    const now = new Date();
    // Checked once before sealing, so a rejected update seals nothing; re-applied to the fresh
    // record below if a concurrent write wins the race.
    const check = (current: CredentialRecord) => {
      if (current.archivedAt) throw invalidRequest(`Credential ${id} is archived and cannot be updated.`);
      const body = rule(() => applyCredentialUpdate(current.body, params, now));
      parseInput(metadataSchema, body.metadata, 'metadata');
      return body;
    };
    check(first);
    const sealed = await sealSecrets(deps.vault, vaultId, id, credentialUpdateSecrets(params.auth));
    const record = await updateRecord<Body>(store, 'credential', id, (current) => {
      const body = check(current);
      return { record: { ...current, body: { ...body, sealed: { ...current.body.sealed, ...sealed } } } };
    });
    return c.json(renderCredential(record));
  });

  app.post('/:credential_id/archive', async (c) => {
    const vaultId = c.req.param('vault_id') ?? '';
    const id = c.req.param('credential_id');
    await loadCredential(vaultId, id);
    const record = await updateRecord<Body>(store, 'credential', id, (current) =>
      current.archivedAt ? null : { record: archived(current, new Date().toISOString()) },
    );
    return c.json(renderCredential(record));
  });

  app.post('/:credential_id/mcp_oauth_validate', async (c) => {
    const vaultId = c.req.param('vault_id') ?? '';
    const id = c.req.param('credential_id');
    const record = await loadCredential(vaultId, id);
    if (record.body.auth.type !== 'mcp_oauth') {
      throw invalidRequest(
        `Credential ${id} is a ${record.body.auth.type} credential; only mcp_oauth credentials can be validated.`,
      );
    }
    if (record.archivedAt) throw invalidRequest(`Credential ${id} is archived and holds no token to validate.`);
    return c.json(await deps.credentialProbe.validateMcpOAuth(vaultId, id));
  });

  app.delete('/:credential_id', async (c) => {
    const vaultId = c.req.param('vault_id') ?? '';
    const id = c.req.param('credential_id');
    await loadCredential(vaultId, id);
    if (!(await store.delete('credential', id))) throw notFound('credential', id);
    return c.json({ id, type: 'vault_credential_deleted' });
  });

  return app;
}
