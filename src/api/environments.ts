import type { BetaEnvironment } from '@anthropic-ai/sdk/resources/beta/environments/environments.js';
import { Hono } from 'hono';
import { z } from 'zod';
import { invalidRequest, notFound } from '../core/errors.js';
import type { ResourceRecord } from '../core/resourceStore.js';
import {
  applyEnvironmentUpdate,
  buildEnvironmentBody,
  configIssue,
  configTypeChanged,
  environmentCreateSchema,
  environmentUpdateSchema,
  type EnvironmentBody,
} from '../protocol/environment.js';
import { newId } from '../protocol/ids.js';
import type { ApiDeps } from './context.js';
import { booleanQuery, pageQueryShape } from './pagination.js';
import { parseQuery, queryObject } from './query.js';
import { archiveRecord, listPage, loadRecord, newRecord, updateRecord } from './records.js';
import { parseInput, readJson } from './validate.js';

const listQuerySchema = z.strictObject({ ...pageQueryShape, include_archived: booleanQuery.default(false) });

export function renderEnvironment(record: ResourceRecord<EnvironmentBody>): BetaEnvironment {
  return {
    id: record.id,
    type: 'environment',
    ...record.body,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    archived_at: record.archivedAt,
  };
}

export function environmentRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const store = deps.resources;

  app.post('/', async (c) => {
    const params = parseInput(environmentCreateSchema, readJson(c));
    const record = newRecord('environment', newId('environment'), buildEnvironmentBody(params));
    await store.insert(record);
    return c.json(renderEnvironment(record));
  });

  app.get('/', async (c) => {
    const query = parseInput(listQuerySchema, queryObject(parseQuery(c.req.url)), 'query');
    const page = await listPage<EnvironmentBody>(store, 'environment', {
      limit: query.limit,
      page: query.page,
      includeArchived: query.include_archived,
    });
    return c.json({ data: page.data.map(renderEnvironment), next_page: page.next_page });
  });

  app.get('/:id', async (c) => {
    return c.json(renderEnvironment(await loadRecord<EnvironmentBody>(store, 'environment', c.req.param('id'))));
  });

  app.post('/:id', async (c) => {
    const params = parseInput(environmentUpdateSchema, readJson(c));
    const record = await updateRecord<EnvironmentBody>(store, 'environment', c.req.param('id'), (current) => {
      if (current.archivedAt) {
        throw invalidRequest(`Environment ${current.id} is archived and cannot be updated.`, {
          errorCode: 'environment_archived',
        });
      }
      if (configTypeChanged(current.body, params)) {
        throw invalidRequest('config.type cannot be changed after creation.', {
          errorCode: 'invalid_config_type_change',
        });
      }
      const body = applyEnvironmentUpdate(current.body, params);
      const issue = configIssue(body.config);
      if (issue) throw invalidRequest(`Invalid request body: ${issue.path.join('.')}: ${issue.message}`);
      return { record: { ...current, body } };
    });
    return c.json(renderEnvironment(record));
  });

  app.post('/:id/archive', async (c) => {
    return c.json(renderEnvironment(await archiveRecord<EnvironmentBody>(store, 'environment', c.req.param('id'))));
  });

  app.delete('/:id', async (c) => {
    const id = c.req.param('id');
    if (!(await store.delete('environment', id))) throw notFound('environment', id);
    return c.json({ id, type: 'environment_deleted' });
  });

  return app;
}
