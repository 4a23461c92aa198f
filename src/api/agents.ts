import type { BetaManagedAgentsAgent } from '@anthropic-ai/sdk/resources/beta/agents/agents.js';
import { Hono } from 'hono';
import { z } from 'zod';
import { conflict, notFound } from '../core/errors.js';
import type { ResourceRecord, VersionRecord } from '../core/resourceStore.js';
import {
  agentBodiesEqual,
  agentCreateSchema,
  agentUpdateSchema,
  applyAgentUpdate,
  buildAgentBody,
  pickAgentBody,
  type AgentBody,
} from '../protocol/agent.js';
import { newId } from '../protocol/ids.js';
import { agentRefResolver } from './agentRefs.js';
import type { ApiDeps } from './context.js';
import { booleanQuery, decodeCursor, pageOf, pageQueryShape } from './pagination.js';
import { parseQuery, queryObject } from './query.js';
import { archiveRecord, listPage, loadRecord, newRecord, updateRecord } from './records.js';
import { parseInput, readJson, rethrowZod } from './validate.js';

/** The record's body is the full agent object of its current version. */
export type AgentRecord = ResourceRecord<BetaManagedAgentsAgent>;

const timestamp = z.iso.datetime({ offset: true });
const listQuerySchema = z.strictObject({
  ...pageQueryShape,
  include_archived: booleanQuery.default(false),
  'created_at[gte]': timestamp.optional(),
  'created_at[lte]': timestamp.optional(),
});
const retrieveQuerySchema = z.strictObject({ version: z.coerce.number().int().min(1).optional() });
const versionsQuerySchema = z.strictObject(pageQueryShape);

/** `archived_at` belongs to the agent, not to a version: every version shows the current one. */
const withArchive = (agent: BetaManagedAgentsAgent, record: AgentRecord): BetaManagedAgentsAgent => ({
  ...agent,
  archived_at: record.archivedAt,
});

function agentObject(
  id: string,
  version: number,
  body: AgentBody,
  createdAt: string,
  now: string,
): BetaManagedAgentsAgent {
  return { id, type: 'agent', version, ...body, created_at: createdAt, updated_at: now, archived_at: null };
}

export function agentRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const store = deps.resources;

  app.post('/', async (c) => {
    const params = parseInput(agentCreateSchema, readJson(c));
    const id = newId('agent');
    const refs = await agentRefResolver(store, id, params.multiagent);
    const body = rethrowZod(() => buildAgentBody(params, refs));
    const record = newRecord('agent', id, {} as BetaManagedAgentsAgent, { refVersion: 1 });
    record.body = agentObject(id, 1, body, record.createdAt, record.createdAt);
    await store.insert(record, { id, version: 1, createdAt: record.createdAt, body: record.body });
    return c.json(record.body);
  });

  app.get('/', async (c) => {
    const query = parseInput(listQuerySchema, queryObject(parseQuery(c.req.url)), 'query');
    const page = await listPage<BetaManagedAgentsAgent>(store, 'agent', {
      limit: query.limit,
      page: query.page,
      includeArchived: query.include_archived,
      createdAt: { gte: query['created_at[gte]'], lte: query['created_at[lte]'] },
    });
    return c.json({ data: page.data.map((record) => withArchive(record.body, record)), next_page: page.next_page });
  });

  app.get('/:id', async (c) => {
    const query = parseInput(retrieveQuerySchema, queryObject(parseQuery(c.req.url)), 'query');
    const record = await loadRecord<BetaManagedAgentsAgent>(store, 'agent', c.req.param('id'));
    if (query.version === undefined || query.version === record.refVersion)
      return c.json(withArchive(record.body, record));
    const version = await store.getVersion<BetaManagedAgentsAgent>('agent', record.id, query.version);
    if (!version) throw notFound('agent version', `${record.id}@${query.version}`);
    return c.json(withArchive(version.body, record));
  });

  app.post('/:id', async (c) => {
    const params = parseInput(agentUpdateSchema, readJson(c));
    const id = c.req.param('id');
    const refs = await agentRefResolver(store, id, params.multiagent);
    const record = await updateRecord<BetaManagedAgentsAgent>(store, 'agent', id, (current) => {
      if (params.version !== undefined && params.version !== current.body.version) {
        throw conflict(
          `version ${params.version} is not the current version of agent ${id} (${current.body.version}); retrieve it and retry.`,
          { errorCode: 'version_mismatch' },
        );
      }
      const body = rethrowZod(() => applyAgentUpdate(current.body, params, refs));
      if (agentBodiesEqual(pickAgentBody(current.body), body)) return null;
      const version = current.body.version + 1;
      const now = new Date().toISOString();
      const agent = agentObject(id, version, body, current.createdAt, now);
      const next: AgentRecord = { ...current, refVersion: version, body: agent };
      const versionRecord: VersionRecord<BetaManagedAgentsAgent> = { id, version, createdAt: now, body: agent };
      return { record: next, version: versionRecord };
    });
    return c.json(withArchive(record.body, record));
  });

  app.post('/:id/archive', async (c) => {
    const record = await archiveRecord<BetaManagedAgentsAgent>(store, 'agent', c.req.param('id'));
    return c.json(withArchive(record.body, record));
  });

  app.get('/:id/versions', async (c) => {
    const query = parseInput(versionsQuerySchema, queryObject(parseQuery(c.req.url)), 'query');
    const record = await loadRecord<BetaManagedAgentsAgent>(store, 'agent', c.req.param('id'));
    const cursor = decodeCursor(query.page);
    const versions = await store.listVersions<BetaManagedAgentsAgent>('agent', record.id, {
      limit: query.limit + 1,
      ...(cursor ? { afterVersion: Number(cursor.key) } : {}),
    });
    const page = pageOf(versions, query.limit, (version) => version.version);
    return c.json({ data: page.data.map((version) => withArchive(version.body, record)), next_page: page.next_page });
  });

  return app;
}
