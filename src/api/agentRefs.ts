import { invalidRequest, notFound } from '../core/errors.js';
import type { ResourceRecord, ResourceStore } from '../core/resourceStore.js';
import type { AgentRefResolver } from '../protocol/agent.js';

/** Every agent id a multiagent roster in `params` names (strings and `{type:'agent', id}`). */
function referencedAgentIds(multiagent: unknown): string[] {
  const ids = new Set<string>();
  const visit = (value: unknown, inRoster: boolean) => {
    if (typeof value === 'string' && inRoster) ids.add(value);
    if (Array.isArray(value)) value.forEach((item) => visit(item, true));
    else if (value && typeof value === 'object') {
      const object = value as Record<string, unknown>;
      if (object['type'] === 'agent' && typeof object['id'] === 'string') ids.add(object['id']);
      for (const [key, child] of Object.entries(object)) {
        if (key === 'agents' || key === 'predefined_agents') visit(child, false);
        else if (typeof child === 'object') visit(child, false);
      }
    }
  };
  visit(multiagent, false);
  return [...ids];
}

/**
 * The protocol layer resolves references synchronously, so the agents a request names are
 * loaded first. A missing agent is a 404, an archived one a 400; skills have no registry yet,
 * so a skill sent without a version is stored as `latest`.
 */
export async function agentRefResolver(
  store: ResourceStore,
  selfId: string,
  multiagent: unknown,
): Promise<AgentRefResolver> {
  const agents = new Map<string, ResourceRecord>();
  for (const id of referencedAgentIds(multiagent)) {
    if (id === selfId) continue;
    const record = await store.get('agent', id);
    if (!record) throw notFound('agent', id);
    if (record.archivedAt) throw invalidRequest(`Agent ${id} is archived and cannot be referenced.`);
    agents.set(id, record);
  }
  return {
    selfId,
    agentVersion(id, requested) {
      const record = agents.get(id);
      if (!record) throw notFound('agent', id);
      const latest = record.refVersion ?? 1;
      if (requested !== undefined && requested > latest) throw notFound('agent version', `${id}@${requested}`);
      return requested ?? latest;
    },
    latestSkillVersion: () => 'latest',
  };
}
