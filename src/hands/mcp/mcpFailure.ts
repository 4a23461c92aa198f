import {
  InsufficientScopeError,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import type { McpServerError } from './mcpHub.js';
import { McpAuthFailure } from './serverAuth.js';

/** The connection did not come up within `connectTimeoutMs`. */
export class McpConnectTimeout extends Error {
  override readonly name = 'McpConnectTimeout';
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

/**
 * What went wrong, as a `session.error` the model and the client can read. Only HTTP statuses
 * and socket error codes are quoted, never a response body (it could echo a credential).
 */
export function describeFailure(serverName: string, error: unknown): McpServerError {
  const prefix = `MCP server "${serverName}"`;
  if (error instanceof McpAuthFailure) {
    return { type: 'mcp_authentication_failed_error', message: `${prefix}: ${error.message}` };
  }
  if (error instanceof InsufficientScopeError) {
    return {
      type: 'mcp_authentication_failed_error',
      message: `${prefix}: the token lacks a scope the server requires`,
    };
  }
  const status = httpStatus(error);
  if (error instanceof UnauthorizedError || status === 401 || status === 403) {
    return {
      type: 'mcp_authentication_failed_error',
      message: `${prefix} refused the credential (HTTP ${status ?? 401})`,
    };
  }
  return { type: 'mcp_connection_failed_error', message: `${prefix}: ${connectionReason(error, status)}` };
}

function connectionReason(error: unknown, status: number | undefined): string {
  if (error instanceof McpConnectTimeout) return `could not connect: ${error.message}`;
  if (error instanceof SdkError && error.code === SdkErrorCode.RequestTimeout) return 'did not answer in time';
  if (error instanceof SdkError && error.code === SdkErrorCode.ConnectionClosed) return 'closed the connection';
  if (status !== undefined) return `answered HTTP ${status}`;
  const code = socketErrorCode(error);
  if (code === 'ECONNREFUSED') return 'could not connect: connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'could not connect: host not found';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the connection was reset';
  if (code) return `could not connect: ${code}`;
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}

/** The HTTP status an SDK transport error carries, if any. */
export function httpStatus(error: unknown): number | undefined {
  return error instanceof SdkHttpError ? error.status : undefined;
}

/** `fetch failed` hides the socket error in its cause chain. */
export function socketErrorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$|^UND_ERR/.test(code)) return code;
    current = current.cause;
  }
  return undefined;
}
