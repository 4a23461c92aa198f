import type { BetaManagedAgentsAgent } from '@anthropic-ai/sdk/resources/beta/agents/agents.js';
import type { BetaManagedAgentsSessionAgent } from '@anthropic-ai/sdk/resources/beta/sessions/sessions.js';
import { invalidRequest, notFound } from '../core/errors.js';
import { agentUpdateSchema, applyAgentUpdate, type AgentBody } from '../protocol/agent.js';
import type { SessionCreateBody } from '../protocol/session.js';
import { agentRefResolver } from './agentRefs.js';
import type { ApiDeps } from './context.js';
import { loadRecord } from './records.js';
import { parseInput, rethrowZod } from './validate.js';

const overridesSchema = agentUpdateSchema.pick({
  model: true,
  system: true,
  tools: true,
  mcp_servers: true,
  skills: true,
});
const sessionAgentUpdateSchema = agentUpdateSchema.pick({ tools: true, mcp_servers: true });

/** A session's frozen copy of its agent: later agent updates do not reach running sessions. */
function snapshotOf(
  agent: BetaManagedAgentsAgent | (AgentBody & { id: string; version: number }),
): BetaManagedAgentsSessionAgent {
  if (agent.multiagent !== null) {
    throw invalidRequest('agent: multiagent agents cannot run sessions in this version of Bosun yet.');
  }
  return {
    id: agent.id,
    type: 'agent',
    version: agent.version,
    name: agent.name,
    description: agent.description,
    system: agent.system,
    model: agent.model,
    tools: agent.tools,
    mcp_servers: agent.mcp_servers,
    skills: agent.skills,
    multiagent: null,
    execution_identity: agent.execution_identity,
  };
}

/** Resolves `agent` of a session create: an id (latest version), a reference, or overrides. */
export async function resolveSessionAgent(
  deps: ApiDeps,
  param: SessionCreateBody['agent'],
): Promise<{ snapshot: BetaManagedAgentsSessionAgent; from: 'agent' | 'agent_with_overrides' }> {
  const ref = typeof param === 'string' ? { type: 'agent' as const, id: param, version: undefined } : param;
  const record = await loadRecord<BetaManagedAgentsAgent>(deps.resources, 'agent', ref.id);
  if (record.archivedAt) throw invalidRequest(`Agent ${record.id} is archived and cannot start new sessions.`);
  let agent = record.body;
  if (ref.version !== undefined && ref.version !== agent.version) {
    const version = await deps.resources.getVersion<BetaManagedAgentsAgent>('agent', record.id, ref.version);
    if (!version) throw notFound('agent version', `${record.id}@${ref.version}`);
    agent = version.body;
  }
  if (ref.type === 'agent') return { snapshot: snapshotOf(agent), from: 'agent' };
  const { type: _type, id: _id, version: _version, ...overrideParams } = ref;
  const overrides = parseInput(overridesSchema, overrideParams, 'agent');
  const refs = await agentRefResolver(deps.resources, agent.id, null);
  const body = rethrowZod(() => applyAgentUpdate(agent, overrides, refs));
  return { snapshot: snapshotOf({ ...body, id: agent.id, version: agent.version }), from: 'agent_with_overrides' };
}

/** `agent` of a session update: `tools` and `mcp_servers`, each a full replacement. */
export function applySessionAgentUpdate(
  current: BetaManagedAgentsSessionAgent,
  update: unknown,
): BetaManagedAgentsSessionAgent {
  const params = parseInput(sessionAgentUpdateSchema, update, 'agent');
  const refs = { selfId: current.id, agentVersion: () => current.version, latestSkillVersion: () => 'latest' };
  const body = rethrowZod(() => applyAgentUpdate({ ...current, metadata: {} }, params, refs));
  return snapshotOf({ ...body, id: current.id, version: current.version });
}
