import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { finished, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/** Idle pooled connections close after 4 s (as undici's), sooner if the server's Keep-Alive hint says so. */
const KEEP_ALIVE = { keepAlive: true, keepAliveMsecs: 1_000, timeout: 4_000, scheduling: 'lifo' } as const;
const MAX_REDIRECTS = 5;

/** Body types the provider SDKs send: JSON text, or bytes. */
type SimpleBody = string | Uint8Array | ArrayBuffer;

/**
 * The `fetch` the model SDKs are given: a request over node:http(s) with keep-alive
 * connections, answered with a standard `Response` whose body streams as it arrives.
 *
 * Why not the global fetch: on Node 20 its per-request overhead (Request objects, header
 * validation, web-stream plumbing on both sides) is about 0.7 ms of CPU per model call on
 * these machines (bench/ttft.ts), and a model call sits on every turn's time to first
 * token. The SDKs only need what is here: method, headers, a text body, an abort signal, and
 * a streamed response. Redirects within the origin are followed (method kept for 307/308); one
 * to another origin is handed back as it is, since the model's key would go with it. A pooled
 * connection the server closed just as it was reused is retried once on a new one.
 * Compressed responses are decoded, though no `accept-encoding` is sent.
 */
export function createNodeFetch(): typeof fetch {
  const agents = { 'http:': new HttpAgent(KEEP_ALIVE), 'https:': new HttpsAgent(KEEP_ALIVE) };

  const nodeFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    // The SDKs pass a URL string and an init; a Request object goes to the global fetch.
    if (input instanceof Request) return fetch(input, init);
    let url = new URL(input);
    let method = (init.method ?? 'GET').toUpperCase();
    let body = simpleBody(init.body);
    if (body === undefined) return fetch(input, init);
    const headers = headerRecord(init.headers);
    for (let redirects = 0; ; redirects++) {
      const response = await send(url, method, headers, body, init.signal ?? undefined);
      const location = response.headers.location;
      if (!isRedirect(response.statusCode) || location === undefined || init.redirect === 'manual') {
        return toResponse(response);
      }
      const target = new URL(location, url);
      if (init.redirect === 'error' || redirects >= MAX_REDIRECTS) {
        response.resume();
        throw new TypeError('fetch failed', { cause: new Error(`redirected to ${target.origin}${target.pathname}`) });
      }
      if (target.origin !== url.origin) return toResponse(response);
      response.resume();
      url = target;
      if (response.statusCode !== 307 && response.statusCode !== 308) {
        method = method === 'HEAD' ? 'HEAD' : 'GET';
        body = null;
        delete headers['content-type'];
        delete headers['content-length'];
      }
    }
  };

  function send(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: SimpleBody | null,
    signal: AbortSignal | undefined,
  ): Promise<IncomingMessage> {
    const protocol = url.protocol;
    if (protocol !== 'http:' && protocol !== 'https:') {
      return Promise.reject(new TypeError(`fetch: unsupported protocol ${protocol}`));
    }
    const request = protocol === 'https:' ? httpsRequest : httpRequest;
    const attempt = (retried: boolean): Promise<IncomingMessage> =>
      new Promise((resolve, reject) => {
        let answered = false;
        const outgoing = request(
          url,
          { method, headers, agent: agents[protocol], ...(signal ? { signal } : {}) },
          (response) => {
            answered = true;
            resolve(response);
          },
        );
        outgoing.on('error', (error: NodeJS.ErrnoException) => {
          const stale = outgoing.reusedSocket && !answered && error.code === 'ECONNRESET' && !signal?.aborted;
          if (stale && !retried) resolve(attempt(true));
          else reject(asFetchError(error, signal));
        });
        outgoing.end(body === null ? undefined : body instanceof ArrayBuffer ? new Uint8Array(body) : body);
      });
    return attempt(false);
  }

  return nodeFetch;
}

function simpleBody(body: RequestInit['body']): SimpleBody | null | undefined {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string' || body instanceof Uint8Array || body instanceof ArrayBuffer) return body;
  return undefined; // streams, forms, blobs: left to the global fetch
}

function headerRecord(init: RequestInit['headers']): Record<string, string> {
  const record: Record<string, string> = {};
  new Headers(init).forEach((value, name) => {
    record[name] = value;
  });
  return record;
}

function isRedirect(status: number | undefined): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function toResponse(message: IncomingMessage): Response {
  const headers = new Headers();
  const raw = message.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  const status = message.statusCode ?? 502;
  const source = decoded(message, headers.get('content-encoding'));
  if (source !== message) {
    headers.delete('content-encoding');
    headers.delete('content-length');
  }
  // A null-body status (204, 304) must not be given a body, even an empty one.
  const body = status === 204 || status === 304 || status < 200 ? null : webBody(source, message);
  if (body === null) message.resume();
  return new Response(body, { status, statusText: message.statusMessage ?? '', headers });
}

/**
 * The body as a web stream, chunk for chunk. `Readable.toWeb` does the same with a byte-length
 * strategy and more promise hops per chunk, which the first token of every turn waits through.
 * Back-pressure: the source pauses while 16 chunks wait unread.
 */
function webBody(source: Readable, message: IncomingMessage): ReadableStream<Uint8Array> {
  let settled = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        source.on('data', (chunk: Buffer) => {
          if (settled) return;
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 1) <= 0) source.pause();
        });
        finished(source, (error) => {
          if (settled) return;
          settled = true;
          if (error) controller.error(error);
          else controller.close();
        });
      },
      pull() {
        source.resume();
      },
      cancel(reason) {
        settled = true;
        const error = reason instanceof Error ? reason : undefined;
        source.destroy(error);
        // A decoder in between does not take the connection down with it.
        if (source !== message) message.destroy(error);
      },
    },
    { highWaterMark: 16 },
  );
}

function decoded(message: IncomingMessage, encoding: string | null): Readable {
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip()
      : encoding === 'br'
        ? createBrotliDecompress()
        : encoding === 'deflate'
          ? createInflate()
          : null;
  if (!decoder) return message;
  message.on('error', (error) => decoder.destroy(error));
  return message.pipe(decoder);
}

/** Aborts surface as the `AbortError` the SDKs test for; anything else as fetch's TypeError. */
function asFetchError(error: Error, signal: AbortSignal | undefined): Error {
  if (signal?.aborted || error.name === 'AbortError') {
    return new DOMException('This operation was aborted', 'AbortError');
  }
  return new TypeError('fetch failed', { cause: error });
}

/** One per process: its keep-alive pools are shared by every provider client. */
export const modelFetch = createNodeFetch();
