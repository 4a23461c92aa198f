import {
  Client,
  type FetchLike,
  SdkHttpError,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type Transport,
} from '@modelcontextprotocol/client';
import { McpConnectTimeout, socketErrorCode } from './mcpFailure.js';
import type { ServerAuth } from './serverAuth.js';

export type McpTransportKind = 'streamable-http' | 'sse';

export interface McpConnection {
  readonly kind: McpTransportKind;
  readonly client: Client;
  /** Ends the server-side session (best effort, bounded) and closes the transport. */
  close(): Promise<void>;
}

export interface ConnectOptions {
  url: URL;
  auth: ServerAuth;
  timeoutMs: number;
  /** Skip the Streamable HTTP attempt: this URL answered as a legacy SSE server before. */
  preferSse: boolean;
  clientInfo: { name: string; version: string };
  /** The server said its tool list changed. */
  onToolsChanged(): void;
  /** The transport closed by itself (the SSE stream of a legacy server ended). */
  onClosed(): void;
  onError(error: Error): void;
}

// The spec's backwards-compatibility rule: a 4xx to the initialize POST means an SSE-only server.
const LEGACY_STATUSES = new Set([400, 404, 405]);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/**
 * Opens one MCP connection: Streamable HTTP, falling back to the legacy HTTP+SSE transport when
 * the server rejects the POST as a legacy server would. The whole attempt, fallback included,
 * ends within `timeoutMs`. Redirects stay on the URL's origin (the SDK's default), so only the
 * declared server is ever reached.
 */
export async function connectServer(options: ConnectOptions): Promise<McpConnection> {
  const deadline = AbortSignal.timeout(options.timeoutMs);
  if (options.preferSse) return attemptTwice('sse', options, deadline);
  try {
    return await attemptTwice('streamable-http', options, deadline);
  } catch (error) {
    if (!(error instanceof SdkHttpError) || !LEGACY_STATUSES.has(error.status)) throw error;
    return attemptTwice('sse', options, deadline);
  }
}

/**
 * Connecting has no side effects, so a connection reset (typically a pooled keep-alive socket the
 * server closed as it was reused) is worth one more try within the same deadline.
 */
async function attemptTwice(
  kind: McpTransportKind,
  options: ConnectOptions,
  deadline: AbortSignal,
): Promise<McpConnection> {
  try {
    return await attempt(kind, options, deadline);
  } catch (error) {
    if (deadline.aborted || !RESET_CODES.has(socketErrorCode(error) ?? '')) throw error;
    return attempt(kind, options, deadline);
  }
}

async function attempt(kind: McpTransportKind, options: ConnectOptions, deadline: AbortSignal): Promise<McpConnection> {
  const { fetch, authProvider } = authHooks(options.auth);
  const transport: Transport =
    kind === 'streamable-http'
      ? new StreamableHTTPClientTransport(options.url, { authProvider, fetch })
      : new SSEClientTransport(options.url, { authProvider, fetch });
  const client = new Client(options.clientInfo, {
    capabilities: {},
    listChanged: { tools: { autoRefresh: false, debounceMs: 0, onChanged: () => options.onToolsChanged() } },
  });
  client.onerror = (error) => options.onError(error);
  try {
    await untilDeadline(client.connect(transport, { signal: deadline }), deadline, options.timeoutMs);
  } catch (error) {
    await client.close().catch(() => {});
    throw error;
  }
  client.onclose = () => options.onClosed();
  return {
    kind,
    client,
    close: async () => {
      client.onclose = undefined;
      if (transport instanceof StreamableHTTPClientTransport) {
        await untilDeadline(transport.terminateSession(), AbortSignal.timeout(1_000), 1_000).catch(() => {});
      }
      await client.close().catch(() => {});
    },
  };
}

/**
 * The SDK's auth hook (`token()` before each request, `onUnauthorized()` then one retry on a
 * 401), plus a fetch wrapper that remembers which token each response answered, so a 401 to a
 * token that was already replaced does not trigger a second refresh.
 */
function authHooks(auth: ServerAuth) {
  const sentToken = new WeakMap<Response, string | undefined>();
  const fetchWithToken: FetchLike = async (url, init) => {
    const response = await fetch(url, init);
    const header = new Headers(init?.headers).get('authorization');
    sentToken.set(response, header?.startsWith('Bearer ') ? header.slice(7) : undefined);
    return response;
  };
  return {
    fetch: fetchWithToken,
    authProvider: {
      token: () => auth.token(),
      onUnauthorized: ({ response }: { response: Response }) => auth.rejected(sentToken.get(response)),
    },
  };
}

/** Settles with `work`, or rejects with `McpConnectTimeout` when `deadline` fires first. */
function untilDeadline<T>(work: Promise<T>, deadline: AbortSignal, timeoutMs: number): Promise<T> {
  if (deadline.aborted) return Promise.reject(new McpConnectTimeout(timeoutMs));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new McpConnectTimeout(timeoutMs));
    deadline.addEventListener('abort', onAbort, { once: true });
    void work.then(resolve, reject).finally(() => deadline.removeEventListener('abort', onAbort));
  });
}
