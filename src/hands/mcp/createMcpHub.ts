import { ProtocolError, SdkError, SdkErrorCode, type Tool } from '@modelcontextprotocol/client';
import { connectServer, type McpConnection } from './connectServer.js';
import type { McpCredentialSource } from './mcpCredentials.js';
import { describeFailure, httpStatus, socketErrorCode } from './mcpFailure.js';
import type { McpCallResult, McpHub, McpServerError, McpServerRef, McpServerTools, McpToolSpec } from './mcpHub.js';
import { createServerAuth, type ServerAuth } from './serverAuth.js';
import { toolResultContent } from './toolResultContent.js';

export interface McpHubOptions {
  credentials: McpCredentialSource;
  logger: { warn(message: string): void; debug?(message: string): void };
  /** Connecting (Streamable HTTP, then SSE if the server is a legacy one) and listing tools. Default 10 s. */
  connectTimeoutMs?: number;
  /** One `tools/call`. Default 120 s. */
  callTimeoutMs?: number;
  /** After a failure, `tools` reports it again without reconnecting for this long (`call` always retries). Default 30 s. */
  retryAfterFailureMs?: number;
  /** A server unused this long by a session is closed and forgotten; the next use reconnects. Default 10 min; 0 = never. */
  idleCloseMs?: number;
  /** Text of one tool result beyond this is cut (like bash output). Default 100 KiB. */
  maxResultChars?: number;
  /** The token endpoint request of an OAuth refresh. Default 10 s. */
  refreshTimeoutMs?: number;
  /** Used for token refreshes only; the MCP transports use the global fetch. */
  fetch?: typeof fetch;
  now?: () => number;
  clientInfo?: { name: string; version: string };
}

interface ServerSlot {
  server: McpServerRef;
  url: URL;
  auth: ServerAuth;
  connection?: Promise<McpConnection>;
  tools?: Promise<McpToolSpec[]>;
  failure?: { error: McpServerError; at: number };
  lastUsed: number;
  /** Calls running now; the idle sweep leaves a busy slot alone. */
  busy: number;
}

const DEFAULTS = {
  connectTimeoutMs: 10_000,
  callTimeoutMs: 120_000,
  retryAfterFailureMs: 30_000,
  idleCloseMs: 10 * 60_000,
  maxResultChars: 100 * 1024,
  refreshTimeoutMs: 10_000,
};

/**
 * The MCP client of the server process (see `McpHub`). State is per session and server: the
 * credential, the connection (opened on first use, shared by concurrent callers, dropped on
 * failure so the next use reconnects) and the tool list.
 */
export function createMcpHub(options: McpHubOptions): McpHub {
  const settings = { ...DEFAULTS, ...definedOnly(options) };
  const now = options.now ?? Date.now;
  const clientInfo = options.clientInfo ?? { name: 'bosun', version: '0.1.0' };
  const sessions = new Map<string, Map<string, ServerSlot>>();
  /** URLs that answered as legacy HTTP+SSE servers: reconnect to them over SSE directly. */
  const legacyUrls = new Set<string>();
  let closed = false;

  const sweeper =
    settings.idleCloseMs > 0
      ? setInterval(() => closeIdle(), Math.min(settings.idleCloseMs, 60_000)).unref()
      : undefined;

  function slotFor(sessionId: string, server: McpServerRef): ServerSlot | McpServerError {
    if (closed)
      return {
        type: 'mcp_connection_failed_error',
        message: `MCP server "${server.name}": the MCP client is shut down`,
      };
    let url: URL;
    try {
      url = new URL(server.url);
    } catch {
      url = new URL('invalid:');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      return {
        type: 'mcp_connection_failed_error',
        message: `MCP server "${server.name}": its URL is not an http(s) URL`,
      };
    }
    let slots = sessions.get(sessionId);
    if (!slots) sessions.set(sessionId, (slots = new Map<string, ServerSlot>()));
    const key = `${server.name}\0${server.url}`;
    let slot = slots.get(key);
    if (!slot) {
      const auth = createServerAuth({
        sessionId,
        serverUrl: server.url,
        credentials: options.credentials,
        logger: options.logger,
        fetch: options.fetch ?? fetch,
        timeoutMs: settings.refreshTimeoutMs,
        now,
      });
      slot = { server, url, auth, lastUsed: now(), busy: 0 };
      slots.set(key, slot);
    }
    slot.lastUsed = now();
    return slot;
  }

  function connect(slot: ServerSlot): Promise<McpConnection> {
    if (slot.connection) return slot.connection;
    const attempt: Promise<McpConnection> = connectServer({
      url: slot.url,
      auth: slot.auth,
      timeoutMs: settings.connectTimeoutMs,
      preferSse: legacyUrls.has(slot.server.url),
      clientInfo,
      onToolsChanged: () => {
        if (slot.connection === attempt) slot.tools = undefined;
      },
      onClosed: () => forget(slot, attempt),
      // Mostly the standalone SSE stream dropping; the described form quotes no response body.
      onError: (error) => options.logger.debug?.(`mcp: ${describeFailure(slot.server.name, error).message}`),
    });
    slot.connection = attempt;
    void attempt.then(
      (connection) => {
        if (connection.kind === 'sse') legacyUrls.add(slot.server.url);
      },
      () => forget(slot, attempt),
    );
    return attempt;
  }

  function forget(slot: ServerSlot, attempt: Promise<McpConnection>): void {
    if (slot.connection !== attempt) return;
    slot.connection = undefined;
    slot.tools = undefined;
    void attempt.then(
      (connection) => connection.close(),
      () => {},
    );
  }

  async function listTools(slot: ServerSlot): Promise<McpToolSpec[]> {
    const attempt = connect(slot);
    const connection = await attempt;
    if (!slot.tools) {
      const listing = fetchTools(connection, settings.connectTimeoutMs);
      slot.tools = listing;
      listing.catch(() => forget(slot, attempt));
    }
    return slot.tools;
  }

  async function toolsOf(sessionId: string, server: McpServerRef): Promise<McpServerTools> {
    const slot = slotFor(sessionId, server);
    if (!('auth' in slot)) return { server: server.name, tools: [], error: slot };
    const failure = slot.failure;
    if (failure && !slot.connection && now() - failure.at < settings.retryAfterFailureMs) {
      return { server: server.name, tools: [], error: failure.error };
    }
    slot.busy += 1;
    try {
      const tools = await listTools(slot);
      slot.failure = undefined;
      return { server: server.name, tools };
    } catch (cause) {
      const error = describeFailure(server.name, cause);
      slot.failure = { error, at: now() };
      return { server: server.name, tools: [], error };
    } finally {
      release(slot);
    }
  }

  function release(slot: ServerSlot): void {
    slot.busy -= 1;
    slot.lastUsed = now();
  }

  async function callTool(
    sessionId: string,
    server: McpServerRef,
    tool: string,
    input: unknown,
    signal: AbortSignal,
  ): Promise<McpCallResult> {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return textResult(`${tool}: the input must be a JSON object`, true);
    }
    const slot = slotFor(sessionId, server);
    if (!('auth' in slot)) return { ...textResult(slot.message, true), error: slot };
    slot.busy += 1;
    try {
      return await callOn(slot, server, tool, input as Record<string, unknown>, signal);
    } finally {
      release(slot);
    }
  }

  async function callOn(
    slot: ServerSlot,
    server: McpServerRef,
    tool: string,
    input: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<McpCallResult> {
    for (let retried = false; ; retried = true) {
      if (signal.aborted) return textResult(`${tool}: cancelled`, true);
      const reused = slot.connection !== undefined;
      const attempt = connect(slot);
      let connection: McpConnection;
      try {
        connection = await abortable(attempt, signal);
      } catch (cause) {
        if (signal.aborted) return textResult(`${tool}: cancelled`, true);
        const error = describeFailure(server.name, cause);
        slot.failure = { error, at: now() };
        return { ...textResult(error.message, true), error };
      }
      try {
        const result = await connection.client.callTool(
          { name: tool, arguments: input },
          { signal, timeout: settings.callTimeoutMs },
        );
        slot.failure = undefined;
        return { content: toolResultContent(result, settings.maxResultChars), isError: result.isError === true };
      } catch (cause) {
        if (signal.aborted) return textResult(`${tool}: cancelled`, true);
        // The server answered with a JSON-RPC error: the tool failed, the server is fine.
        if (
          cause instanceof ProtocolError ||
          (cause instanceof SdkError && cause.code === SdkErrorCode.InvalidResult)
        ) {
          return textResult(`${tool}: ${cause.message}`, true);
        }
        forget(slot, attempt);
        // A reused connection whose server restarted (the MCP session is gone, or nothing listens
        // for a moment): the call never ran, so one fresh connection may try it.
        if (reused && !retried && neverDelivered(cause)) continue;
        const error = describeFailure(server.name, cause);
        slot.failure = { error, at: now() };
        return { ...textResult(error.message, true), error };
      }
    }
  }

  async function closeSlots(slots: Iterable<ServerSlot>): Promise<void> {
    const closing: Array<Promise<unknown>> = [];
    for (const slot of slots) {
      const attempt = slot.connection;
      if (attempt) {
        forget(slot, attempt);
        closing.push(
          attempt.then(
            (connection) => connection.close(),
            () => {},
          ),
        );
      }
    }
    await Promise.allSettled(closing);
  }

  function closeIdle(): void {
    const idleSince = now() - settings.idleCloseMs;
    const idle: ServerSlot[] = [];
    for (const [sessionId, slots] of sessions) {
      for (const [key, slot] of slots) {
        if (slot.busy > 0 || slot.lastUsed >= idleSince) continue;
        slots.delete(key);
        idle.push(slot);
      }
      if (slots.size === 0) sessions.delete(sessionId);
    }
    void closeSlots(idle);
  }

  return {
    prefetch(sessionId, servers) {
      for (const server of servers) void toolsOf(sessionId, server);
    },
    async tools(sessionId, servers, signal) {
      return Promise.all(servers.map((server) => abortable(toolsOf(sessionId, server), signal)));
    },
    call: callTool,
    async closeSession(sessionId) {
      const slots = sessions.get(sessionId);
      sessions.delete(sessionId);
      if (slots) await closeSlots(slots.values());
    },
    async close() {
      closed = true;
      if (sweeper) clearInterval(sweeper);
      const all = [...sessions.values()].flatMap((slots) => [...slots.values()]);
      sessions.clear();
      await closeSlots(all);
    },
  };
}

async function fetchTools(connection: McpConnection, timeoutMs: number): Promise<McpToolSpec[]> {
  if (!connection.client.getServerCapabilities()?.tools) return [];
  const { tools } = await connection.client.listTools(undefined, { timeout: timeoutMs });
  return tools.map(toolSpec);
}

function toolSpec(tool: Tool): McpToolSpec {
  const { $schema: _ignored, ...inputSchema } = tool.inputSchema as Record<string, unknown>;
  const annotations = tool.annotations;
  return {
    name: tool.name,
    description: tool.description ?? tool.title ?? annotations?.title ?? '',
    inputSchema,
    ...(annotations
      ? {
          annotations: {
            ...(annotations.title !== undefined ? { title: annotations.title } : {}),
            ...(annotations.readOnlyHint !== undefined ? { readOnlyHint: annotations.readOnlyHint } : {}),
            ...(annotations.destructiveHint !== undefined ? { destructiveHint: annotations.destructiveHint } : {}),
            ...(annotations.idempotentHint !== undefined ? { idempotentHint: annotations.idempotentHint } : {}),
            ...(annotations.openWorldHint !== undefined ? { openWorldHint: annotations.openWorldHint } : {}),
          },
        }
      : {}),
  };
}

/** Failures that prove the request was not processed: the session is unknown (spec: HTTP 404) or nothing listened. */
function neverDelivered(error: unknown): boolean {
  return httpStatus(error) === 404 || socketErrorCode(error) === 'ECONNREFUSED';
}

function textResult(text: string, isError: boolean): McpCallResult {
  return { content: [{ type: 'text', text }], isError };
}

/** Settles with `work`, or rejects with the signal's reason when it aborts first (`work` goes on). */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    void work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
