import type { BetaManagedAgentsSessionAgent } from '@anthropic-ai/sdk/resources/beta/sessions/sessions.js';
import { MCP_NAME_SEPARATOR, splitMcpToolName, type McpToolListing } from '../core/hands.js';
import type { ToolSpec } from '../core/modelProvider.js';

interface McpToolConfig {
  name: string;
  enabled?: boolean;
}

/**
 * The MCP tools the model is offered: every tool of each declared server that has an
 * `mcp_toolset`, minus the ones its configs (or its default) disable. Named `<server>__<tool>`
 * so two servers' tools cannot collide; the order is the servers' and their tools' own.
 */
export function mcpToolSpecs(agent: BetaManagedAgentsSessionAgent, listings: readonly McpToolListing[]): ToolSpec[] {
  const specs: ToolSpec[] = [];
  for (const listing of listings) {
    const toolset = agent.tools.find((tool) => tool.type === 'mcp_toolset' && tool.mcp_server_name === listing.server);
    if (!toolset || toolset.type !== 'mcp_toolset') continue;
    const configs = toolset.configs as unknown as McpToolConfig[];
    const defaultEnabled = (toolset.default_config as { enabled?: boolean } | null)?.enabled ?? true;
    for (const tool of listing.tools) {
      const enabled = configs.find((config) => config.name === tool.name)?.enabled ?? defaultEnabled;
      if (!enabled) continue;
      specs.push({
        name: `${listing.server}${MCP_NAME_SEPARATOR}${tool.name}`,
        description: tool.description,
        inputSchema: tool.inputSchema,
      });
    }
  }
  return specs;
}

/** `<server>__<tool>` back to its parts, for the agent's declared servers only. */
export function parseMcpToolName(
  agent: BetaManagedAgentsSessionAgent,
  name: string,
): { server: string; tool: string } | null {
  const split = splitMcpToolName(agent.mcp_servers, name);
  return split ? { server: split.server.name, tool: split.tool } : null;
}
