import type { BetaManagedAgentsSession } from '@anthropic-ai/sdk/resources/beta/sessions/sessions.js';
import { notFound } from '../core/errors.js';
import type { ResourceRecord } from '../core/resourceStore.js';
import { renderSessionUsage } from '../core/sessionSummary.js';
import type { ApiDeps } from './context.js';

/** Facts about a session the API needs later but never shows. */
export interface SessionInternals {
  /** Sessions made with `agent_with_overrides` cannot change their agent afterwards. */
  from: 'agent' | 'agent_with_overrides';
  /** A budget removed by an update cannot be added again. */
  budgetEverSet: boolean;
}

/** What a session record stores: the public object minus what the log and the row derive. */
export type SessionBody = Omit<
  BetaManagedAgentsSession,
  'id' | 'type' | 'status' | 'usage' | 'stats' | 'created_at' | 'updated_at' | 'archived_at'
> & { bosun?: SessionInternals };

export type SessionRecord = ResourceRecord<SessionBody>;

export async function loadSession(deps: ApiDeps, id: string): Promise<SessionRecord> {
  const record = await deps.resources.get<SessionBody>('session', id);
  if (!record) throw notFound('session', id);
  return record;
}

export async function renderSession(deps: ApiDeps, record: SessionRecord): Promise<BetaManagedAgentsSession> {
  const summary = await deps.log.sessionSummary(record.id);
  const status = (summary?.status ?? record.status ?? 'idle') as BetaManagedAgentsSession['status'];
  const derived = summary
    ? renderSessionUsage(summary, record.createdAt, new Date())
    : { usage: {}, stats: { active_seconds: 0, duration_seconds: 0 } };
  const { bosun: _internals, ...body } = record.body;
  return {
    id: record.id,
    type: 'session',
    ...body,
    status,
    usage: derived.usage,
    stats: derived.stats,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    archived_at: record.archivedAt,
  };
}
