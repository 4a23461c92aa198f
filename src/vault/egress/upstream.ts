import {
  Agent as HttpAgent,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
  request as httpRequest,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { pipeline, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { countBytes, downstreamHeaders, errorCode, refuse, upstreamHeaders } from './forward.js';
import { formatAuthority } from './hostRules.js';
import type { EgressInterceptor, EgressLogEntry, EgressTarget, ResponseFilter } from './types.js';

/** How the proxy talks to upstreams: shared keep-alive pools, a connect deadline, optional extra CAs. */
export interface Upstream {
  connectTimeoutMs: number;
  ca?: string;
  http?: HttpAgent;
  https?: HttpsAgent;
}

export interface ForwardSpec {
  target: EgressTarget;
  /** The address that passed the checks: the only one dialled. */
  address: string;
  intercepted: boolean;
  interceptor: EgressInterceptor | undefined;
  upstream: Upstream;
  /** Origin-form path and query; `req.url` when the request came through an intercepted tunnel. */
  path?: string;
  log(partial: Partial<EgressLogEntry>): void;
}

/** Bodies of intercepted requests are buffered for the interceptor, up to this size. */
const MAX_INTERCEPTED_BODY = 16 * 1024 * 1024;

export function createUpstream(options: { connectTimeoutMs: number; ca?: string }): Upstream {
  return {
    ...options,
    http: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: 64, ...(options.ca ? { ca: options.ca } : {}) }),
  };
}

/**
 * Sends one request upstream and streams the answer back. An intercepted request is buffered and
 * handed to the interceptor, which may rewrite method, headers and body, never the destination.
 */
export async function forwardRequest(req: IncomingMessage, res: ServerResponse, spec: ForwardSpec): Promise<void> {
  const { target, address, upstream } = spec;
  const started = Date.now();
  const defaultPort = target.scheme === 'https' ? 443 : 80;
  const authority = formatAuthority(target.host, target.port === defaultPort ? null : target.port);
  const path = spec.path ?? req.url ?? '/';
  let method = req.method ?? 'GET';
  let headers = upstreamHeaders(req, authority);
  let body: Buffer | null = null;
  if (spec.intercepted && spec.interceptor) {
    body = await readBody(req, MAX_INTERCEPTED_BODY);
    if (!body) {
      refuse(res, 413, `egress: request bodies to ${authority} are limited to ${MAX_INTERCEPTED_BODY} bytes`);
      return;
    }
    const rewritten = await spec.interceptor.rewrite(
      { method, url: `${target.scheme}://${authority}${path}`, headers, body },
      target,
    );
    method = rewritten.method;
    body = rewritten.body;
    headers = withLength(rewritten.headers, body.length);
  }
  const filter = spec.intercepted ? (spec.interceptor?.responseFilter?.(target) ?? null) : null;
  if (filter) headers = decodableEncodings(headers);

  const send = target.scheme === 'https' ? httpsRequest : httpRequest;
  const upstreamReq = send({
    host: address,
    port: target.port,
    method,
    path,
    headers,
    ...(target.scheme === 'https'
      ? {
          agent: upstream.https,
          ...(isIP(target.host) === 0 ? { servername: target.host } : {}),
          ...(upstream.ca ? { ca: upstream.ca } : {}),
        }
      : { agent: upstream.http }),
  });
  let timer: NodeJS.Timeout | undefined;
  upstreamReq.on('socket', (socket) => {
    if (!socket.connecting) return;
    timer = setTimeout(
      () => upstreamReq.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
      upstream.connectTimeoutMs,
    );
    socket.once('connect', () => clearTimeout(timer));
  });

  let status: number | undefined;
  let bytesIn = 0;
  let error: string | undefined;
  const out = body ? { bytes: body.length } : countBytes(req);
  if (body) upstreamReq.end(body);
  else req.pipe(upstreamReq);

  upstreamReq.on('response', (response) => {
    const counter = countBytes(response);
    response.on('end', () => (bytesIn = counter.bytes));
    response.on('error', () => res.destroy());
    if (filter) {
      const filtered = filterResponse(response, filter);
      if ('refusal' in filtered) {
        response.destroy();
        error = `egress failed: ${filtered.refusal} from ${authority}`;
        status = 502;
        refuse(res, 502, error);
        return;
      }
      status = response.statusCode ?? 502;
      res.writeHead(status, filter.scrubText(response.statusMessage ?? '') || undefined, filtered.headers);
      pipeline([response, ...filtered.transforms, res], (failure) => {
        if (failure) res.destroy();
      });
      return;
    }
    status = response.statusCode ?? 502;
    res.writeHead(status, response.statusMessage, downstreamHeaders(response.headers));
    response.pipe(res);
  });
  upstreamReq.on('error', (cause) => {
    clearTimeout(timer);
    error = `egress failed: could not reach ${formatAuthority(target.host, target.port)} (${errorCode(cause)})`;
    refuse(res, 502, error);
  });
  res.on('close', () => {
    clearTimeout(timer);
    if (!res.writableFinished) upstreamReq.destroy();
    spec.log({
      address,
      ...(status !== undefined ? { status } : {}),
      bytesOut: out.bytes,
      bytesIn,
      durationMs: Date.now() - started,
      ...(error ? { error } : {}),
      ...(spec.intercepted ? { intercepted: true } : {}),
    });
  });
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.destroy();
        resolve(null);
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function withLength(headers: Record<string, string | string[]>, length: number): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower !== 'content-length' && lower !== 'transfer-encoding') out[name] = value;
  }
  out['Content-Length'] = String(length);
  return out;
}

/** The content codings the proxy can decode to scrub a response; others are not asked for. */
const DECODERS: Record<string, () => Transform> = {
  gzip: () => createGunzip(),
  'x-gzip': () => createGunzip(),
  deflate: () => createInflate(),
  br: () => createBrotliDecompress(),
};

/** Keeps only codings the proxy can decode in `Accept-Encoding` (no header: identity). */
function decodableEncodings(headers: Record<string, string | string[]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== 'accept-encoding') {
      out[name] = value;
      continue;
    }
    const kept = [value]
      .flat()
      .join(',')
      .split(',')
      .map((token) => token.trim())
      .filter((token) => {
        const coding = token.split(';')[0]?.trim().toLowerCase() ?? '';
        return coding === 'identity' || coding in DECODERS;
      });
    if (kept.length > 0) out[name] = kept.join(', ');
  }
  return out;
}

/**
 * The response as the sandbox may see it: the body decoded (so a secret inside gzip is found) and
 * passed through the filter, headers and their values scrubbed. The length changes, so the body
 * goes out chunked. A coding the proxy cannot decode is refused rather than passed unseen.
 */
function filterResponse(
  response: IncomingMessage,
  filter: ResponseFilter,
): { headers: OutgoingHttpHeaders; transforms: Transform[] } | { refusal: string } {
  const codings = String(response.headers['content-encoding'] ?? '')
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== '' && token !== 'identity');
  const decoders: Transform[] = [];
  // Codings are listed in the order applied: undo them last to first.
  for (const coding of [...codings].reverse()) {
    const decoder = DECODERS[coding];
    if (!decoder) return { refusal: `cannot inspect a response with content-encoding ${coding} for secrets` };
    decoders.push(decoder());
  }
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(downstreamHeaders(response.headers))) {
    if (value === undefined || name === 'content-length' || (codings.length > 0 && name === 'content-encoding'))
      continue;
    headers[name] = Array.isArray(value)
      ? value.map((item) => filter.scrubText(item))
      : filter.scrubText(String(value));
  }
  return { headers, transforms: [...decoders, filter.scrubBody()] };
}
