import { Hono } from 'hono';
import { conflict, invalidRequest, notFound } from '../core/errors.js';
import type { NewEvent } from '../core/sessionLog.js';
import { newId } from '../protocol/ids.js';
import {
  applySessionMetadataPatch,
  sessionCreateSchema,
  sessionListQuerySchema,
  sessionMetadataSchema,
  sessionUpdateSchema,
  sessionUpdateUnsupported,
  type SessionUpdateBody,
} from '../protocol/session.js';
import { applySessionAgentUpdate, resolveSessionAgent } from './agentSnapshot.js';
import type { ApiDeps } from './context.js';
import type { EnvironmentBody } from '../protocol/environment.js';
import type { VaultBody } from '../protocol/vault.js';
import { decodeCursor, DEFAULT_PAGE_LIMIT, encodeCursor } from './pagination.js';
import { parseQuery, queryObject } from './query.js';
import { loadRecord, newRecord, updateRecord } from './records.js';
import { loadSession, renderSession, type SessionBody, type SessionRecord } from './sessionRecords.js';
import { describeIssues, parseInput, readJson } from './validate.js';

export function sessionRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const store = deps.resources;

  app.post('/', async (c) => {
    const params = parseInput(sessionCreateSchema, readJson(c));
    const environment = await loadRecord<EnvironmentBody>(store, 'environment', params.environment_id);
    if (environment.archivedAt) {
      throw invalidRequest(`Environment ${environment.id} is archived and cannot be used for new sessions.`, {
        errorCode: 'environment_archived',
      });
    }
    if (params.resources && params.resources.length > 0) {
      throw invalidRequest('resources: session resources (files, repositories, memory stores) are not supported yet.');
    }
    for (const vaultId of params.vault_ids ?? []) {
      const vault = await loadRecord<VaultBody>(store, 'vault', vaultId);
      if (vault.archivedAt) {
        throw invalidRequest(`vault_ids: vault ${vaultId} is archived and cannot be used for new sessions.`);
      }
    }
    const agent = await resolveSessionAgent(deps, params.agent);
    if (params.budget && !deps.modelProfile(agent.snapshot.model.id)?.pricing) {
      throw invalidRequest(
        `budget: model ${agent.snapshot.model.id} has no list price, so a budget cannot be enforced; configure its pricing or omit the budget.`,
        { errorCode: 'model_not_budgetable' },
      );
    }
    const body: SessionBody = {
      agent: agent.snapshot,
      environment_id: environment.id,
      metadata: params.metadata ?? {},
      title: params.title ?? null,
      budget: params.budget ?? null,
      vault_ids: params.vault_ids ?? [],
      resources: [],
      outcome_evaluations: [],
    };
    body.bosun = { from: agent.from, budgetEverSet: body.budget !== null };
    const record = newRecord('session', newId('session'), body, {
      parentId: agent.snapshot.id,
      refVersion: agent.snapshot.version,
      status: 'idle',
    });
    await store.insert(record);
    if (params.initial_events && params.initial_events.length > 0) {
      await deps.log.append(
        record.id,
        params.initial_events.map(
          ({ type, ...data }): NewEvent =>
            type === 'user.define_outcome' ? { type, data: { ...data, outcome_id: newId('outcome') } } : { type, data },
        ),
      );
      deps.wake(record.id);
    }
    return c.json(await renderSession(deps, record));
  });

  app.get('/', async (c) => {
    const query = parseInput(sessionListQuerySchema, queryObject(parseQuery(c.req.url), ['statuses']), 'query');
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    const cursor = decodeCursor(query.page);
    const backwards = cursor?.direction === 'before';
    const order = (query.order === 'asc') !== backwards ? 'asc' : 'desc';
    // Sessions of deployments or with memory stores do not exist yet in Bosun: those filters match none.
    const none = query.deployment_id !== undefined || query.memory_store_id !== undefined;
    const records = none
      ? []
      : await store.list<SessionBody>('session', {
          limit: limit + 1,
          order,
          includeArchived: query.include_archived,
          ...(query.agent_id !== undefined ? { parentId: query.agent_id } : {}),
          ...(query.agent_id !== undefined && query.agent_version !== undefined
            ? { refVersion: query.agent_version }
            : {}),
          ...(query.statuses ? { statuses: query.statuses } : {}),
          createdAt: {
            gt: query['created_at[gt]'],
            gte: query['created_at[gte]'],
            lt: query['created_at[lt]'],
            lte: query['created_at[lte]'],
          },
          ...(cursor ? { after: String(cursor.key) } : {}),
        });
    const hasMore = records.length > limit;
    const page = records.slice(0, limit);
    if (backwards) page.reverse();
    const first = page[0];
    const last = page[page.length - 1];
    const moreAfter = backwards ? true : hasMore;
    const moreBefore = backwards ? hasMore : cursor !== undefined;
    return c.json({
      data: await Promise.all(page.map((record) => renderSession(deps, record))),
      next_page: moreAfter && last ? encodeCursor({ key: last.id, direction: 'after' }) : null,
      prev_page: moreBefore && first ? encodeCursor({ key: first.id, direction: 'before' }) : null,
    });
  });

  app.get('/:id', async (c) => c.json(await renderSession(deps, await loadSession(deps, c.req.param('id')))));

  app.post('/:id', async (c) => {
    const params = parseInput(sessionUpdateSchema, readJson(c));
    const unsupported = sessionUpdateUnsupported(params);
    if (unsupported)
      throw invalidRequest(`Invalid request body: ${unsupported.path.join('.')}: ${unsupported.message}`);
    const id = c.req.param('id');
    const summary = await deps.log.sessionSummary(id);
    const consumedMinor = summary ? Math.round(summary.costMicroUsd / 10_000) : 0;
    let changes: Record<string, unknown> | null = null;
    const record = await updateRecord<SessionBody>(store, 'session', id, (current) => {
      if (current.archivedAt) throw invalidRequest(`Session ${id} is archived and cannot be updated.`);
      const next = applySessionUpdate(current, params, summary?.status ?? 'idle', consumedMinor);
      changes = next.changes;
      return changes ? { record: next.record } : null;
    });
    if (changes) await deps.log.append(id, [{ type: 'session.updated', data: changes }]);
    return c.json(await renderSession(deps, record));
  });

  app.post('/:id/archive', async (c) => {
    const id = c.req.param('id');
    const record = await updateRecord<SessionBody>(store, 'session', id, (current) =>
      current.archivedAt ? null : { record: { ...current, archivedAt: new Date().toISOString() } },
    );
    const summary = await deps.log.sessionSummary(id);
    // The API reports an archived session as terminated (SDK 1.10.0 CHANGELOG); the log says so too.
    if (summary && summary.status !== 'terminated') {
      await deps.log.append(id, [{ type: 'session.status_terminated', data: {} }]);
      deps.wake(id);
    }
    return c.json(await renderSession(deps, record));
  });

  app.delete('/:id', async (c) => {
    const id = c.req.param('id');
    await loadSession(deps, id);
    // Open streams receive session.deleted as their last message, then the log goes.
    await deps.log.append(id, [{ type: 'session.deleted', data: {} }]);
    if (!(await store.delete('session', id))) throw notFound('session', id);
    deps.wake(id);
    return c.json({ id, type: 'session_deleted' });
  });

  return app;
}

/**
 * Applies an update; `changes` is the `session.updated` payload, null when nothing changed.
 * The event carries only changed fields, and metadata only when it is non-empty afterwards.
 */
function applySessionUpdate(
  current: SessionRecord,
  params: SessionUpdateBody,
  status: string,
  consumedMinor: number,
): { record: SessionRecord; changes: Record<string, unknown> | null } {
  const body: SessionBody = { ...current.body };
  const changes: Record<string, unknown> = {};
  const meta = current.body.bosun ?? { from: 'agent', budgetEverSet: current.body.budget !== null };
  let changed = false;

  if (params.agent !== undefined) {
    if (meta.from !== 'agent') {
      throw invalidRequest('agent: only sessions created from an agent reference can change their agent.');
    }
    if (status === 'running')
      throw conflict('agent: a running session cannot change its agent; wait until it is idle.');
    const agent = applySessionAgentUpdate(current.body.agent, params.agent);
    if (!sameJson(agent, current.body.agent)) {
      body.agent = agent;
      changes['agent'] = agent;
      changed = true;
    }
  }
  if (params.budget !== undefined) {
    const budget = checkBudgetUpdate(current.body.budget, params.budget, meta.budgetEverSet, consumedMinor);
    if (!sameJson(budget, current.body.budget)) {
      body.budget = budget;
      changes['budget'] = budget;
      changed = true;
    }
  }
  if (params.metadata) {
    const metadata = applySessionMetadataPatch(current.body.metadata, params.metadata);
    const checked = sessionMetadataSchema.safeParse(metadata);
    if (!checked.success) throw invalidRequest(describeIssues(checked.error.issues, 'metadata'));
    if (!sameJson(metadata, current.body.metadata)) {
      body.metadata = metadata;
      if (Object.keys(metadata).length > 0) changes['metadata'] = metadata;
      changed = true;
    }
  }
  if (params.title !== undefined && (params.title ?? null) !== current.body.title) {
    body.title = params.title ?? null;
    changes['title'] = body.title;
    changed = true;
  }
  return { record: { ...current, body }, changes: changed ? changes : null };
}

function checkBudgetUpdate(
  current: SessionBody['budget'],
  next: NonNullable<SessionUpdateBody['budget']> | null,
  everSet: boolean,
  consumedMinor: number,
): SessionBody['budget'] {
  if (next === null) return null;
  if (current === null) {
    throw invalidRequest(
      everSet
        ? 'budget: a removed budget cannot be added again.'
        : 'budget: a budget can only be set when the session is created.',
      { errorCode: 'budget_create_only' },
    );
  }
  if (Number(next.max_list_cost.amount) <= consumedMinor) {
    throw invalidRequest('budget: the new max_list_cost must exceed the cost already consumed.', {
      errorCode: 'budget_not_raised',
    });
  }
  return next;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
