import type { BetaManagedAgentsSessionAgent } from '@anthropic-ai/sdk/resources/beta/sessions/sessions.js';
import type { Permission } from './state.js';

type Evaluation =
  | { type: 'always_allow' }
  | { type: 'always_ask' }
  | { type: 'auto'; evaluated_permission: { type: 'allow' } | { type: 'ask' | 'deny'; reason_code: string } };

/**
 * The `auto` policy, Bosun's rule: tools that only read (read, glob, grep, web_fetch,
 * web_search) run; tools that change the workspace or run programs (bash, write, edit) and
 * every MCP tool ask first, with reason `may_modify_state`. Documented in docs/limits.md.
 */
const AUTO_ALLOWED = new Set(['read', 'glob', 'grep', 'web_fetch', 'web_search']);

interface ToolConfig {
  name: string;
  enabled: boolean;
  permission_policy: { type: 'always_allow' | 'always_ask' | 'auto' };
}

/** The built-in tools the agent has enabled, with their effective policy. */
export function enabledBuiltinTools(agent: BetaManagedAgentsSessionAgent): ToolConfig[] {
  const out: ToolConfig[] = [];
  for (const tool of agent.tools) {
    if (tool.type !== 'agent_toolset_20260401') continue;
    for (const config of tool.configs as unknown as ToolConfig[]) if (config.enabled) out.push(config);
  }
  return out;
}

export function evaluatePermission(
  agent: BetaManagedAgentsSessionAgent,
  kind: 'builtin' | 'mcp',
  name: string,
  mcpServerName?: string,
): { permission: Permission; evaluation: Evaluation } {
  const policy = policyFor(agent, kind, name, mcpServerName);
  if (policy === 'always_allow') return { permission: 'allow', evaluation: { type: 'always_allow' } };
  if (policy === 'always_ask') return { permission: 'ask', evaluation: { type: 'always_ask' } };
  if (kind === 'builtin' && AUTO_ALLOWED.has(name)) {
    return { permission: 'allow', evaluation: { type: 'auto', evaluated_permission: { type: 'allow' } } };
  }
  return {
    permission: 'ask',
    evaluation: { type: 'auto', evaluated_permission: { type: 'ask', reason_code: 'may_modify_state' } },
  };
}

function policyFor(
  agent: BetaManagedAgentsSessionAgent,
  kind: 'builtin' | 'mcp',
  name: string,
  mcpServerName?: string,
): 'always_allow' | 'always_ask' | 'auto' {
  for (const tool of agent.tools) {
    if (kind === 'builtin' && tool.type === 'agent_toolset_20260401') {
      const config = (tool.configs as unknown as ToolConfig[]).find((c) => c.name === name);
      return config?.permission_policy.type ?? tool.default_config.permission_policy.type;
    }
    if (kind === 'mcp' && tool.type === 'mcp_toolset' && tool.mcp_server_name === mcpServerName) {
      const config = (tool.configs as unknown as ToolConfig[]).find((c) => c.name === name);
      return config?.permission_policy.type ?? tool.default_config.permission_policy.type;
    }
  }
  return kind === 'mcp' ? 'always_ask' : 'always_allow';
}
