import type { BetaManagedAgentsVault } from '@anthropic-ai/sdk/resources/beta/vaults/vaults.js';
import { Hono } from 'hono';
import { z } from 'zod';
import { invalidRequest, notFound } from '../core/errors.js';
import type { ResourceRecord } from '../core/resourceStore.js';
import { newId } from '../protocol/ids.js';
import {
  applyVaultUpdate,
  buildVaultBody,
  metadataSchema,
  vaultCreateSchema,
  vaultUpdateSchema,
  type VaultBody,
} from '../protocol/vault.js';
import type { ApiDeps } from './context.js';
import { archiveCredentialsOf, deleteCredentialsOf } from './credentials.js';
import { booleanQuery, pageQueryShape } from './pagination.js';
import { parseQuery, queryObject } from './query.js';
import { archiveRecord, listPage, loadRecord, newRecord, updateRecord } from './records.js';
import { parseInput, readJson } from './validate.js';

const listQuerySchema = z.strictObject({ ...pageQueryShape, include_archived: booleanQuery.default(false) });

/** Field by field: the wrapped data key stored beside them never leaves the server. */
export function renderVault(record: ResourceRecord<VaultBody>): BetaManagedAgentsVault {
  return {
    id: record.id,
    type: 'vault',
    display_name: record.body.display_name,
    metadata: { ...record.body.metadata },
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    archived_at: record.archivedAt,
  };
}

export function vaultRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const store = deps.resources;

  app.post('/', async (c) => {
    const params = parseInput(vaultCreateSchema, readJson(c));
    const record = newRecord('vault', newId('vault'), buildVaultBody(params));
    await store.insert(record);
    return c.json(renderVault(record));
  });

  app.get('/', async (c) => {
    const query = parseInput(listQuerySchema, queryObject(parseQuery(c.req.url)), 'query');
    const page = await listPage<VaultBody>(store, 'vault', {
      limit: query.limit,
      page: query.page,
      includeArchived: query.include_archived,
    });
    return c.json({ data: page.data.map(renderVault), next_page: page.next_page });
  });

  app.get('/:id', async (c) => c.json(renderVault(await loadRecord<VaultBody>(store, 'vault', c.req.param('id')))));

  app.post('/:id', async (c) => {
    const params = parseInput(vaultUpdateSchema, readJson(c));
    const record = await updateRecord<VaultBody>(store, 'vault', c.req.param('id'), (current) => {
      if (current.archivedAt) throw invalidRequest(`Vault ${current.id} is archived and cannot be updated.`);
      const body = applyVaultUpdate(current.body, params);
      parseInput(metadataSchema, body.metadata, 'metadata');
      return { record: { ...current, body } };
    });
    return c.json(renderVault(record));
  });

  // Archiving cascades: the vault's credentials are archived too, which discards their secrets.
  // The vault then stays readable for audit but can take no credential and join no session.
  app.post('/:id/archive', async (c) => {
    const record = await archiveRecord<VaultBody>(store, 'vault', c.req.param('id'));
    await archiveCredentialsOf(deps, record.id);
    return c.json(renderVault(record));
  });

  app.delete('/:id', async (c) => {
    const id = c.req.param('id');
    await loadRecord<VaultBody>(store, 'vault', id);
    // Credentials first: a crash part-way leaves the vault in place to delete again.
    await deleteCredentialsOf(deps, id);
    if (!(await store.delete('vault', id))) throw notFound('vault', id);
    return c.json({ id, type: 'vault_deleted' });
  });

  return app;
}
