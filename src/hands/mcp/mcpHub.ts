import type { ToolResult } from '../../core/hands.js';

/**
 * The MCP client of the server process: it connects to the MCP servers an agent declares, on
 * first use and never from a sandbox, lists their tools and calls them with the session's vault
 * credentials. Nothing here throws for what a server did: an unreachable server or a refused
 * credential is an `error` the brain turns into a `session.error`, and the session goes on.
 */
export interface McpHub {
  /**
   * Starts connecting and listing in the background and returns at once, so a later `tools`
   * finds the list ready. Failures are kept for `tools` to report.
   */
  prefetch(sessionId: string, servers: readonly McpServerRef[]): void;
  /**
   * Every server's tools, in the order given; a server that cannot be reached or refuses the
   * credential comes back with no tools and an `error`. Lists are cached per session and server
   * until the server says its list changed or the connection is lost. Rejects only when `signal`
   * aborts.
   */
  tools(sessionId: string, servers: readonly McpServerRef[], signal: AbortSignal): Promise<McpServerTools[]>;
  /** Calls one tool. Never rejects: a failure is an error result, with `error` when the server is at fault. */
  call(
    sessionId: string,
    server: McpServerRef,
    tool: string,
    input: unknown,
    signal: AbortSignal,
  ): Promise<McpCallResult>;
  /** Ends the session's MCP sessions (best effort) and forgets its connections and tokens. */
  closeSession(sessionId: string): Promise<void>;
  close(): Promise<void>;
}

/** An entry of the agent's `mcp_servers`: the only URLs the hub ever connects to. */
export interface McpServerRef {
  name: string;
  url: string;
}

/** The `session.error` to report. The message names the server, never a credential. */
export interface McpServerError {
  type: 'mcp_connection_failed_error' | 'mcp_authentication_failed_error';
  message: string;
}

export interface McpServerTools {
  /** The server's `name` as the agent declares it. */
  server: string;
  tools: McpToolSpec[];
  error?: McpServerError;
}

/** A tool as the server lists it, ready for a model request (`inputSchema` without `$schema`). */
export interface McpToolSpec {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  /** The server's hints (untrusted: a server can claim anything), e.g. for an `auto` policy. */
  annotations?: {
    title?: string;
    readOnlyHint?: boolean;
    destructiveHint?: boolean;
    idempotentHint?: boolean;
    openWorldHint?: boolean;
  };
}

export interface McpCallResult extends ToolResult {
  /** Set when the server could not be reached or refused the credential (not for a tool's own error). */
  error?: McpServerError;
}
