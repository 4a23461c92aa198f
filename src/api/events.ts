import type { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono } from 'hono';
import { z } from 'zod';
import { invalidRequest } from '../core/errors.js';
import type { NewEvent } from '../core/sessionLog.js';
import { ALL_EVENT_TYPES, DELTA_TYPES, eventSendBodySchema, type UserEventParams } from '../protocol/events.js';
import { newId } from '../protocol/ids.js';
import type { AppEnv } from './app.js';
import type { ApiDeps } from './context.js';
import { decodeCursor, pageOf, pageQueryShape } from './pagination.js';
import { parseQuery, queryObject } from './query.js';
import { renderEvent } from './renderEvent.js';
import { loadSession, type SessionRecord } from './sessionRecords.js';
import { streamResponse, streamToNode } from './eventStream.js';
import { parseInput, readJson } from './validate.js';

const timestamp = z.iso.datetime({ offset: true });

const listQuerySchema = z.strictObject({
  ...pageQueryShape,
  order: z.enum(['asc', 'desc']).default('asc'),
  types: z.array(z.enum(ALL_EVENT_TYPES)).optional(),
  'created_at[gt]': timestamp.optional(),
  'created_at[gte]': timestamp.optional(),
  'created_at[lt]': timestamp.optional(),
  'created_at[lte]': timestamp.optional(),
});

const streamQuerySchema = z.strictObject({
  event_deltas: z.array(z.enum(DELTA_TYPES)).optional(),
});

export function eventRoutes(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/:sessionId/events', async (c) => {
    const session = await loadSession(deps, c.req.param('sessionId'));
    const body = parseInput(eventSendBodySchema, readJson(c));
    await assertAcceptsEvents(deps, session, body.events);
    if (body.events.length === 0) return c.json({ data: [] });
    // The brain starts at commit: its model request goes out while the events are synced.
    const stored = await deps.log.append(session.id, body.events.map(toNewEvent), {
      onCommitted: () => deps.wake(session.id),
    });
    return c.json({ data: stored.map(renderEvent) });
  });

  app.get('/:sessionId/events', async (c) => {
    const session = await loadSession(deps, c.req.param('sessionId'));
    const query = parseInput(listQuerySchema, queryObject(parseQuery(c.req.url), ['types']), 'query');
    const cursor = decodeCursor(query.page);
    const seq = cursor ? Number(cursor.key) : undefined;
    const events = await deps.log.read(session.id, {
      ...(seq !== undefined ? (query.order === 'asc' ? { afterSeq: seq } : { beforeSeq: seq }) : {}),
      order: query.order,
      limit: query.limit + 1,
      ...(query.types ? { types: query.types } : {}),
      createdAt: {
        gt: query['created_at[gt]'],
        gte: query['created_at[gte]'],
        lt: query['created_at[lt]'],
        lte: query['created_at[lte]'],
      },
    });
    const page = pageOf(events, query.limit, (event) => event.seq);
    return c.json({ data: page.data.map(renderEvent), next_page: page.next_page });
  });

  app.get('/:sessionId/events/stream', async (c) => {
    const session = await loadSession(deps, c.req.param('sessionId'));
    const query = parseInput(streamQuerySchema, queryObject(parseQuery(c.req.url), ['event_deltas']), 'query');
    const lastEventId = c.req.header('last-event-id');
    let afterSeq: number;
    if (lastEventId !== undefined && lastEventId !== '') {
      afterSeq = Number(lastEventId);
      if (!Number.isSafeInteger(afterSeq) || afterSeq < 0)
        throw invalidRequest('Last-Event-ID must be an event position.');
      // A position past the end (another server's log, a client bug) would silently skip new events.
      afterSeq = Math.min(afterSeq, await deps.log.lastSeq(session.id));
    } else {
      afterSeq = await deps.log.lastSeq(session.id);
    }
    const deltaTypes = new Set<string>(query.event_deltas ?? []);
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    if (!outgoing) return streamResponse(deps, session.id, afterSeq, deltaTypes, c.req.raw.signal);
    streamToNode(outgoing, deps, session.id, afterSeq, deltaTypes, c.get('requestId'));
    return RESPONSE_ALREADY_SENT;
  });

  return app;
}

function toNewEvent(event: UserEventParams): NewEvent {
  const { type, ...data } = event;
  if (type === 'user.define_outcome') return { type, data: { ...data, outcome_id: newId('outcome') } };
  return { type, data };
}

async function assertAcceptsEvents(deps: ApiDeps, session: SessionRecord, events: readonly UserEventParams[]) {
  if (session.archivedAt) throw invalidRequest(`Session ${session.id} is archived and accepts no events.`);
  const summary = await deps.log.sessionSummary(session.id);
  if (summary?.status === 'terminated')
    throw invalidRequest(`Session ${session.id} is terminated and accepts no events.`);
  if (events.some((event) => event.type === 'user.tool_result')) {
    const environment = await deps.resources.get<{ config?: { type?: string } }>(
      'environment',
      session.body.environment_id,
    );
    if (environment?.body.config?.type !== 'self_hosted') {
      throw invalidRequest('user.tool_result is only accepted on sessions in a self_hosted environment.');
    }
  }
}
