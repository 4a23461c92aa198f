import type { BetaManagedAgentsSessionAgent } from '@anthropic-ai/sdk/resources/beta/sessions/sessions.js';

/**
 * The hands port: where tools run. A sandbox is provisioned lazily on the first call that
 * needs one (never on the time-to-first-token path); `execute` is idempotent by the
 * `agent.tool_use` event id, so a brain that resumed after a crash gets the recorded result
 * instead of running a command twice. A sandbox that dies yields an error result, not a throw.
 */
export interface ToolResult {
  content: Array<{ type: 'text'; text: string } | { type: 'image'; source: Record<string, unknown> }>;
  isError: boolean;
  /** An MCP server that could not be reached or refused our credentials: also a session error. */
  mcpFailure?: {
    type: 'mcp_connection_failed_error' | 'mcp_authentication_failed_error';
    server: string;
    message: string;
  };
}

export interface SessionHandsContext {
  sessionId: string;
  environmentId: string;
  /** The environment's config as stored (`cloud` or `self_hosted`). */
  environmentConfig: Record<string, unknown>;
  /** The MCP servers the agent declares: the only URLs an MCP call may reach. */
  mcpServers?: ReadonlyArray<{ name: string; url: string }>;
  /**
   * The agent's tools as its snapshot resolved them: the built-in tools read their settings here
   * (web_fetch's `allowed_domains`, `blocked_domains`, `max_content_tokens`). Absent: defaults.
   */
  agentTools?: BetaManagedAgentsSessionAgent['tools'];
}

/** A tool an MCP server offers, as the model will see it (named `<server>__<tool>`). */
export interface McpToolListing {
  server: string;
  tools: Array<{ name: string; description: string; inputSchema: Record<string, unknown> }>;
  error?: { type: 'mcp_connection_failed_error' | 'mcp_authentication_failed_error'; message: string };
}

/** The separator between server and tool in the names the model sees. */
export const MCP_NAME_SEPARATOR = '__';

/** `<server>__<tool>` back to its parts, for the declared servers only; null for any other name. */
export function splitMcpToolName<S extends { name: string }>(
  servers: readonly S[],
  name: string,
): { server: S; tool: string } | null {
  for (const server of servers) {
    const prefix = `${server.name}${MCP_NAME_SEPARATOR}`;
    if (name.startsWith(prefix) && name.length > prefix.length) return { server, tool: name.slice(prefix.length) };
  }
  return null;
}

export interface Hands {
  /** `toolUseId` is the `agent.tool_use` event id, never the model's own tool-call id. */
  execute(
    session: SessionHandsContext,
    toolUseId: string,
    name: string,
    input: unknown,
    signal: AbortSignal,
  ): Promise<ToolResult>;
  /** The result recorded for a call that was running when its brain died, if any. */
  recordedResult(sessionId: string, toolUseId: string): Promise<ToolResult | null>;
  /** Tears down the session's sandbox; the workspace on disk stays unless `purge`. */
  destroy(sessionId: string, options?: { purge?: boolean }): Promise<void>;
  /**
   * The tools of the session's MCP servers (connecting lazily, cached per session). Absent when
   * this process has no MCP client. A server that cannot be reached is listed with its error.
   */
  mcpTools?(session: SessionHandsContext, signal: AbortSignal): Promise<McpToolListing[]>;
}

/**
 * One session's sandbox from one backend (bubblewrap, local, remote). `Hands` composes a backend
 * with the toolset. Nothing here throws for what the sandboxed program did: a crash, a limit or a
 * timeout is an outcome the toolset turns into an error result the model can read.
 */
export interface Sandbox {
  readonly backend: string;
  /** The session's workspace as the sandbox sees it; the tools' working directory. */
  readonly workdir: string;
  /** Runs `command` in the session's persistent shell, started on first use; cwd and env persist. */
  exec(
    command: string,
    options: { timeoutMs: number; maxOutputChars: number },
    signal: AbortSignal,
  ): Promise<ShellOutcome>;
  /** Kills the persistent shell and everything it started; the next `exec` starts a fresh one. */
  restartShell(): Promise<void>;
  /** Runs one program to completion in a fresh process with the sandbox's view and limits. */
  run(command: SandboxCommand, signal: AbortSignal): Promise<RunOutcome>;
  /** Kills every process of the sandbox; the workspace stays on disk. */
  dispose(): Promise<void>;
}

/** A program with its arguments, or a bash script with its positional parameters (one process fewer). */
export type SandboxCommand = ({ argv: string[] } | { bashScript: string; args: string[] }) & {
  stdin?: string;
  timeoutMs: number;
  /** Output beyond this is dropped and `truncated` set (default 8 MiB). */
  maxOutputBytes?: number;
};

/** A sandbox limit that a call ran into, so the model is told why its command died. */
export type LimitHit = 'memory' | 'pids';

export type ShellOutcome =
  | { status: 'exited'; exitCode: number; output: string; truncated: boolean; limitHit?: LimitHit }
  | { status: 'timed_out'; limitHit?: LimitHit }
  | { status: 'aborted' }
  /** The shell (and every process it started) is gone; `reason` is written for the model. */
  | { status: 'died'; reason: string };

export interface RunOutcome {
  /** `null` when the process was killed by a signal. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  killedBy?: 'timeout' | 'abort' | 'signal';
  limitHit?: LimitHit;
}
