import type { ServerResponse } from 'node:http';
import type { PreviewEvent } from '../core/previews.js';
import type { StoredEvent } from '../core/sessionLog.js';
import type { ApiDeps } from './context.js';
import { sseFrame, sseMessage } from './renderEvent.js';

const PING = sseMessage('ping', { type: 'ping' });

/** A slow client that lets this much pile up is cut off; it can resume with Last-Event-ID. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

interface Sink {
  write(bytes: Uint8Array): void;
  end(): void;
}

/**
 * Feeds a sink with the session's events after `afterSeq`: live from the moment of connection
 * by default, replayed from a position when the client sent `Last-Event-ID`. A `: ping` would
 * be dropped by every parser, so keep-alives are `event: ping`, which the SDK skips by name.
 * `session.deleted` is the last message of a stream. Returns the cleanup.
 */
function feed(
  deps: ApiDeps,
  sessionId: string,
  afterSeq: number,
  deltaTypes: ReadonlySet<string>,
  sink: Sink,
): () => void {
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    cleanup();
    sink.end();
  };
  const unsubscribe = deps.log.subscribe(sessionId, afterSeq, (events: readonly StoredEvent[]) => {
    if (closed) return;
    // One write per batch: with many subscribers the syscalls, not the bytes, are the cost.
    const last = events.findIndex((event) => event.type === 'session.deleted');
    const sent = last === -1 ? events : events.slice(0, last + 1);
    if (sent.length === 0) return;
    sink.write(sent.length === 1 ? sseFrame(sent[0]!) : Buffer.concat(sent.map(sseFrame)));
    if (last !== -1) close();
  });
  const stopPreviews =
    deltaTypes.size > 0
      ? relayPreviews(deps, sessionId, deltaTypes, (frame) => {
          if (!closed) sink.write(frame);
        })
      : () => {};
  const heartbeat = setInterval(() => sink.write(PING), deps.heartbeatMs);
  heartbeat.unref();
  const cleanup = () => {
    closed = true;
    unsubscribe();
    stopPreviews();
    clearInterval(heartbeat);
  };
  return cleanup;
}

/**
 * On Node, frames go straight to the socket: with a thousand subscribers, the web-stream layer
 * between an event and the socket costs more than the write itself.
 */
export function streamToNode(
  outgoing: ServerResponse,
  deps: ApiDeps,
  sessionId: string,
  afterSeq: number,
  deltaTypes: ReadonlySet<string>,
  requestId: string,
): void {
  // Chunked framing stays although the stream only ends with the connection: without it a
  // client cannot tell a cut stream (restart, slow-client cut-off) from a finished one.
  outgoing.writeHead(200, { ...SSE_HEADERS, 'request-id': requestId });
  outgoing.flushHeaders();
  outgoing.socket?.setNoDelay(true);
  const cleanup = feed(deps, sessionId, afterSeq, deltaTypes, {
    write(bytes) {
      if (outgoing.writableEnded || outgoing.destroyed) return;
      if (outgoing.writableLength > MAX_BUFFERED_BYTES) {
        outgoing.destroy();
        return;
      }
      outgoing.write(bytes);
    },
    end() {
      if (!outgoing.writableEnded) outgoing.end();
    },
  });
  outgoing.once('close', cleanup);
}

/** The portable form (any fetch-style runtime, `app.request()` in tests). */
export function streamResponse(
  deps: ApiDeps,
  sessionId: string,
  afterSeq: number,
  deltaTypes: ReadonlySet<string>,
  signal: AbortSignal,
): Response {
  let cleanup = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      cleanup = feed(deps, sessionId, afterSeq, deltaTypes, {
        write: (bytes) => controller.enqueue(bytes),
        end() {
          signal.removeEventListener('abort', onAbort);
          try {
            controller.close();
          } catch {
            // already closed by the client
          }
        },
      });
      const onAbort = () => cleanup();
      signal.addEventListener('abort', onAbort, { once: true });
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(body, { status: 200, headers: SSE_HEADERS });
}

/**
 * Previews for the opted-in types only. A delta names its event by id, so the connection
 * remembers which ids it opened; deltas of types it did not ask for are dropped with them.
 */
function relayPreviews(
  deps: ApiDeps,
  sessionId: string,
  deltaTypes: ReadonlySet<string>,
  send: (frame: Uint8Array) => void,
): () => void {
  const opened = new Set<string>();
  return deps.previews.subscribe(sessionId, (event: PreviewEvent) => {
    if (event.type === 'event_start') {
      if (!deltaTypes.has(event.event.type)) return;
      opened.add(event.event.id);
      send(sseMessage('event_start', event));
    } else if (opened.has(event.event_id)) {
      send(sseMessage('event_delta', event));
    }
  });
}
