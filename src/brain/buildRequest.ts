import type { BetaManagedAgentsSessionAgent } from '@anthropic-ai/sdk/resources/beta/sessions/sessions.js';
import type { ModelRequest, ToolSpec, Turn } from '../core/modelProvider.js';
import { userTurnBlocks } from './fold.js';
import { enabledBuiltinTools } from './permissions.js';
import type { BrainState } from './state.js';

/**
 * The model request for the next step: a pure function of the folded log and the agent
 * snapshot. Tools come in a fixed order (built-ins in the toolset's order, then custom tools
 * as declared), so request bytes stay identical across turns and prompt caching keeps hitting.
 */
export function buildModelRequest(
  state: BrainState,
  agent: BetaManagedAgentsSessionAgent,
  builtinSpecs: ReadonlyMap<string, ToolSpec>,
  maxOutputTokens: number,
  intake: number,
  extraTools: readonly ToolSpec[] = [],
): ModelRequest {
  const messages: Turn[] = state.turns.map((turn) => ({ role: turn.role, content: [...turn.content] }));
  const pending = userTurnBlocks(state, intake);
  if (pending.length > 0) {
    const last = messages[messages.length - 1];
    if (last?.role === 'user') last.content.push(...pending);
    else messages.push({ role: 'user', content: pending });
  }
  return {
    model: agent.model.id,
    system: agent.system,
    tools: [...toolSpecs(agent, builtinSpecs), ...extraTools],
    messages,
    maxOutputTokens,
    ...(agent.model.effort ? { effort: agent.model.effort.type } : {}),
  };
}

export function toolSpecs(
  agent: BetaManagedAgentsSessionAgent,
  builtinSpecs: ReadonlyMap<string, ToolSpec>,
): ToolSpec[] {
  const specs: ToolSpec[] = [];
  for (const config of enabledBuiltinTools(agent)) {
    const spec = builtinSpecs.get(config.name);
    if (spec) specs.push(spec);
  }
  for (const tool of agent.tools) {
    if (tool.type !== 'custom') continue;
    specs.push({
      name: tool.name,
      description: tool.description,
      inputSchema: tool.input_schema,
    });
  }
  return specs;
}
