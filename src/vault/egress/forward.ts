import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Headers that describe one hop, never forwarded (RFC 9110 §7.6.1), plus what the proxy itself consumes. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * The request headers to send upstream. `Host` is forced to the URL's authority: the allow-list
 * checked the URL, so a different Host cannot reach another site on the same address (a CDN).
 */
export function upstreamHeaders(req: IncomingMessage, authority: string): Record<string, string | string[]> {
  const listed = new Set(
    String(req.headers['connection'] ?? '')
      .split(',')
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
  );
  const headers: Record<string, string | string[]> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const value = raw[i + 1] ?? '';
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || listed.has(lower) || lower === 'host') continue;
    const existing = headers[name];
    headers[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  headers['Host'] = authority;
  return headers;
}

/** The response headers to send back to the sandbox. */
export function downstreamHeaders(headers: IncomingMessage['headers']): OutgoingHttpHeaders {
  const listed = new Set(
    String(headers['connection'] ?? '')
      .split(',')
      .map((token) => token.trim().toLowerCase()),
  );
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** A refusal as an HTTP response: the explanation is the body, so `curl` prints it. */
export function refuse(res: ServerResponse, status: number, explanation: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = `${explanation}\n`;
  res.writeHead(status, statusText(status, explanation), {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-bosun-egress': status === 403 ? 'denied' : 'failed',
  });
  res.end(body);
}

/**
 * A refused CONNECT. Most clients show only the status line of a failed tunnel, so the
 * explanation is also the reason phrase (pip and Python print it; curl prints the code).
 */
export function refuseTunnel(socket: Socket, status: number, explanation: string): void {
  const body = `${explanation}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${statusText(status, explanation)}\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Bosun-Egress: ${status === 403 ? 'denied' : 'failed'}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

function statusText(status: number, explanation: string): string {
  // a reason phrase is visible ASCII and spaces; host names are canonical (punycode) already
  const phrase = explanation.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
  return phrase || String(status);
}

/** Counts bytes passing through a readable stream. */
export function countBytes(stream: NodeJS.ReadableStream): { readonly bytes: number } {
  const counter = { bytes: 0 };
  stream.on('data', (chunk: Buffer | string) => {
    counter.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
  });
  return counter;
}

/** The network error code of a failure, for messages (`ECONNREFUSED`, `ENOTFOUND`, `ETIMEDOUT`). */
export function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string')
    return error.code;
  return error instanceof Error ? error.message : String(error);
}
