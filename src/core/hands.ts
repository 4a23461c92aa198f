/**
 * The hands port: where tools run. A sandbox is provisioned lazily on the first call that
 * needs one (never on the time-to-first-token path); `execute` is idempotent by the
 * `agent.tool_use` event id, so a brain that resumed after a crash gets the recorded result
 * instead of running a command twice. A sandbox that dies yields an error result, not a throw.
 */
export interface ToolResult {
  content: Array<{ type: 'text'; text: string } | { type: 'image'; source: Record<string, unknown> }>;
  isError: boolean;
}

export interface SessionHandsContext {
  sessionId: string;
  environmentId: string;
  /** The environment's config as stored (`cloud` or `self_hosted`). */
  environmentConfig: Record<string, unknown>;
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
}

/** One sandbox backend (bubblewrap, local, remote). `Hands` composes a backend with the toolset. */
export interface Sandbox {
  readonly backend: string;
  run(
    command: { argv: string[]; cwd?: string; stdin?: string; timeoutMs: number },
    signal: AbortSignal,
  ): Promise<{ exitCode: number | null; stdout: string; stderr: string; killedBy?: string }>;
  dispose(): Promise<void>;
}
