import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type net from 'node:net';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

// The reference `server-everything` MCP server (its own server factory and the SDK's server
// transports) behind a bearer-token check, listening on 127.0.0.1 only. Shared by the MCP
// client's tests and the end-to-end MCP tests.

/** server-everything ships no type declarations; this is the part of its factory used here. */
type CreateEverything = () => {
  server: { connect(transport: Transport): Promise<void>; close(): Promise<void> };
  cleanup(sessionId?: string): void;
};
const EVERYTHING_FACTORY = '@modelcontextprotocol/server-everything/dist/server/index.js';

export interface EverythingServer {
  /** Streamable HTTP endpoint. */
  url: string;
  /** The same server as a legacy HTTP+SSE endpoint (a POST here answers 405). */
  sseUrl: string;
  /** Bearer tokens accepted now; requests with any other token get a 401. */
  tokens: Set<string>;
  requests: Array<{ method: string; path: string; token: string | undefined }>;
  /** The MCP sessions the server holds open. */
  liveSessions(): string[];
  stop(): Promise<void>;
  /** Listens again on the same port, with no memory of earlier MCP sessions. */
  start(): Promise<void>;
}

export async function startEverything(tokens: string[]): Promise<EverythingServer> {
  const createEverything = ((await import(EVERYTHING_FACTORY)) as { createServer: CreateEverything }).createServer;
  const streamable = new Map<string, StreamableHTTPServerTransport>();
  const legacy = new Map<string, SSEServerTransport>();
  const accepted = new Set(tokens);
  const requests: EverythingServer['requests'] = [];

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    requests.push({ method: req.method ?? '', path, token });
    if (token === undefined || !accepted.has(token)) {
      reject(req, res, 401, { 'www-authenticate': 'Bearer' });
      return;
    }
    if (path === '/mcp') {
      const sessionId = req.headers['mcp-session-id'];
      if (typeof sessionId === 'string') {
        const transport = streamable.get(sessionId);
        if (!transport) reject(req, res, 404);
        else await transport.handleRequest(req, res);
        return;
      }
      if (req.method !== 'POST') {
        reject(req, res, 405);
        return;
      }
      const { server } = createEverything();
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void streamable.set(id, transport),
        onsessionclosed: (id) => void streamable.delete(id),
      });
      await server.connect(transport);
      await transport.handleRequest(req, res);
      return;
    }
    if (path === '/sse' && req.method === 'GET') {
      const { server } = createEverything();
      const transport = new SSEServerTransport('/message', res);
      legacy.set(transport.sessionId, transport);
      res.on('close', () => legacy.delete(transport.sessionId));
      await server.connect(transport);
      return;
    }
    if (path === '/message' && req.method === 'POST') {
      const transport = legacy.get(new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('sessionId') ?? '');
      if (!transport) reject(req, res, 404);
      else await transport.handlePostMessage(req, res);
      return;
    }
    reject(req, res, 405);
  };

  let server = http.createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  await listen(server, 0);
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    sseUrl: `http://127.0.0.1:${port}/sse`,
    tokens: accepted,
    requests,
    liveSessions: () => [...streamable.keys(), ...legacy.keys()],
    async stop() {
      const transports = [...streamable.values(), ...legacy.values()];
      streamable.clear();
      legacy.clear();
      await Promise.allSettled(transports.map((t) => t.close()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Let the client's end of the closed keep-alive sockets see the FIN, as it would long
      // before anyone noticed a real outage; reusing such a socket at the very instant it closes
      // is the keep-alive race no client can rule out for a POST.
      await new Promise((resolve) => setTimeout(resolve, 50));
    },
    async start() {
      server = http.createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
      await listen(server, port);
    },
  };
}

export function reject(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  headers: http.OutgoingHttpHeaders = {},
) {
  req.resume();
  req.on('end', () => res.writeHead(status, headers).end());
}

export function listen(server: net.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}
