import { join } from 'node:path';
import type { Logger } from 'pino';
import { splitMcpToolName, type McpToolListing, type SessionHandsContext, type ToolResult } from '../core/hands.js';
import type { ResourceStore } from '../core/resourceStore.js';
import type { Vault } from '../core/vault.js';
import type { BosunHands } from '../hands/createHands.js';
import { createMcpHub, type McpCredentialSource, type McpHub } from '../hands/mcp/index.js';
import { ResultStore } from '../hands/resultStore.js';
import { storeRefreshedTokens } from '../vault/credentialSecrets.js';
import { mcpCredentialForSession } from '../vault/sessionCredentials.js';

/**
 * The session's vault credentials as the MCP client asks for them. Tokens stay in this process:
 * the hub sends them to the declared server URL only.
 */
export function vaultMcpCredentials(deps: { resources: ResourceStore; vault: Vault }): McpCredentialSource {
  return {
    async forServer(sessionId, serverUrl) {
      const credential = await mcpCredentialForSession(deps, sessionId, serverUrl);
      if (!credential) return null;
      if (credential.type === 'static_bearer') return { type: 'bearer', token: credential.token };
      return {
        type: 'oauth',
        accessToken: credential.token,
        expiresAt: credential.expiresAt,
        refresh: credential.refresh ?? null,
      };
    },
    async onTokenRefreshed(sessionId, serverUrl, tokens) {
      const credential = await mcpCredentialForSession(deps, sessionId, serverUrl);
      if (credential?.record)
        await storeRefreshedTokens(deps.resources, deps.vault, credential.record, tokens, new Date());
    },
  };
}

/**
 * Hands that also reach the agent's MCP servers: a call named `<server>__<tool>` for a declared
 * server goes to the MCP client in this process (never into a sandbox); everything else goes to
 * the sandboxes. MCP calls are recorded like mutating tools, so a call cut off by a crash is
 * reported as interrupted rather than sent to the server twice.
 */
export function withMcp(
  hands: BosunHands,
  options: { dataDir: string; logger: Logger; credentials: McpCredentialSource },
): BosunHands {
  const hub: McpHub = createMcpHub({
    credentials: options.credentials,
    logger: { warn: (message) => options.logger.warn(message), debug: (message) => options.logger.debug(message) },
  });
  const records = new ResultStore(join(options.dataDir, 'hands'));

  const target = (session: SessionHandsContext, name: string) => splitMcpToolName(session.mcpServers ?? [], name);

  const callMcp = async (
    session: SessionHandsContext,
    toolUseId: string,
    name: string,
    call: NonNullable<ReturnType<typeof target>>,
    input: unknown,
    signal: AbortSignal,
  ): Promise<ToolResult> => {
    const recorded = await records.read(session.sessionId, toolUseId);
    if (recorded) return recorded;
    if (await records.wasStarted(session.sessionId, toolUseId)) {
      return {
        content: [
          {
            type: 'text',
            text: `${name}: interrupted by a server restart before its result was recorded; not sent again.`,
          },
        ],
        isError: true,
      };
    }
    await records.markStarted(session.sessionId, toolUseId);
    const outcome = await hub.call(session.sessionId, call.server, call.tool, input, signal);
    const result: ToolResult = { content: outcome.content, isError: outcome.isError };
    if (outcome.error) result.mcpFailure = { ...outcome.error, server: call.server.name };
    await records.write(session.sessionId, toolUseId, name, result);
    return result;
  };

  return {
    ...hands,
    backend: hands.backend,
    execute(session, toolUseId, name, input, signal) {
      const call = target(session, name);
      return call
        ? callMcp(session, toolUseId, name, call, input, signal)
        : hands.execute(session, toolUseId, name, input, signal);
    },
    recordedResult: (sessionId, toolUseId) => hands.recordedResult(sessionId, toolUseId),
    async mcpTools(session, signal): Promise<McpToolListing[]> {
      const servers = session.mcpServers ?? [];
      if (servers.length === 0) return [];
      const listings = await hub.tools(session.sessionId, servers, signal);
      return listings.map(({ server, tools, error }) => ({
        server,
        tools: tools.map(({ name, description, inputSchema }) => ({ name, description, inputSchema })),
        ...(error ? { error } : {}),
      }));
    },
    async destroy(sessionId, destroyOptions) {
      await hub.closeSession(sessionId);
      await hands.destroy(sessionId, destroyOptions);
    },
    /** Closes the MCP connections only: the sandboxed hands are closed by their owner. */
    async close() {
      await hub.close();
    },
  };
}
