import type { BetaManagedAgentsRefreshHTTPResponse } from '@anthropic-ai/sdk/resources/beta/vaults/credentials.js';
import { captureResponse } from './capturedResponse.js';
import type { HttpDeps } from './oauthRefresh.js';

export type McpProbeResult =
  | { ok: true }
  | { ok: false; method: string; httpResponse: BetaManagedAgentsRefreshHTTPResponse | null };

const PROTOCOL_VERSION = '2025-06-18';

/**
 * Connects to an MCP server over Streamable HTTP with a bearer token and lists its tools:
 * `initialize`, `notifications/initialized`, `tools/list`. Only HTTP status counts, so a server
 * that answers with an SSE stream works too. Reports the first failing step.
 */
export async function probeMcpServer(url: string, token: string, deps: HttpDeps): Promise<McpProbeResult> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  const steps: Array<{ method: string; id?: number; params?: unknown }> = [
    {
      method: 'initialize',
      id: 1,
      params: {
        protocolVersion: PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: { name: 'bosun-credential-probe', version: '1' },
      },
    },
    { method: 'notifications/initialized' },
    { method: 'tools/list', id: 2, params: {} },
  ];
  let sessionId: string | null = null;
  try {
    for (const step of steps) {
      let response: Response;
      try {
        response = await deps.fetch(url, {
          method: 'POST',
          headers: {
            ...headers,
            ...(sessionId ? { 'mcp-session-id': sessionId, 'mcp-protocol-version': PROTOCOL_VERSION } : {}),
          },
          body: JSON.stringify({ jsonrpc: '2.0', ...step }),
          redirect: 'manual',
          signal: AbortSignal.timeout(deps.timeoutMs),
        });
      } catch {
        return { ok: false, method: step.method, httpResponse: null };
      }
      if (!response.ok)
        return { ok: false, method: step.method, httpResponse: await captureResponse(response, [token]) };
      sessionId = response.headers.get('mcp-session-id') ?? sessionId;
      await response.body?.cancel().catch(() => {});
    }
    return { ok: true };
  } finally {
    if (sessionId) await endSession(url, headers, sessionId, deps);
  }
}

/** Streamable HTTP: a client that is done with a session says so. Best effort. */
async function endSession(
  url: string,
  headers: Record<string, string>,
  sessionId: string,
  deps: HttpDeps,
): Promise<void> {
  try {
    const response = await deps.fetch(url, {
      method: 'DELETE',
      headers: { authorization: headers['authorization'] ?? '', 'mcp-session-id': sessionId },
      signal: AbortSignal.timeout(deps.timeoutMs),
    });
    await response.body?.cancel().catch(() => {});
  } catch {
    // The server may not support ending sessions; it will expire it.
  }
}
