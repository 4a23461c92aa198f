/** What the composition root (server) uses of the MCP client. */
export { createMcpHub, type McpHubOptions } from './createMcpHub.js';
export type { McpAuth, McpCredentialSource, McpOAuthRefresh, RefreshedTokens } from './mcpCredentials.js';
export type {
  McpCallResult,
  McpHub,
  McpServerError,
  McpServerRef,
  McpServerTools,
  McpToolSpec,
} from './mcpHub.js';
