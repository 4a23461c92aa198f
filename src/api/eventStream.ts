import type { StoredEvent } from '../core/sessionLog.js';
import type { ApiDeps } from './context.js';
import { sseFrame, sseMessage } from './renderEvent.js';

const PING = sseMessage('ping', { type: 'ping' });

/**
 * An SSE response carrying the session's events after `afterSeq`: live from the moment of
 * connection by default, replayed from a position when the client sent `Last-Event-ID`.
 * A `: ping` would be dropped by every parser, so keep-alives are `event: ping`, which the SDK
 * skips by name. `session.deleted` is the last message of a stream.
 */
export function openEventStream(
  deps: ApiDeps,
  sessionId: string,
  afterSeq: number,
  deltaTypes: ReadonlySet<string>,
  signal: AbortSignal,
): Response {
  let cleanup = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        cleanup();
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      };
      const onEvents = (events: readonly StoredEvent[]) => {
        if (closed) return;
        for (const event of events) {
          controller.enqueue(sseFrame(event));
          if (event.type === 'session.deleted') return close();
        }
      };
      const unsubscribe = deps.log.subscribe(sessionId, afterSeq, onEvents);
      const heartbeat = setInterval(() => controller.enqueue(PING), deps.heartbeatMs);
      heartbeat.unref();
      const onAbort = () => close();
      signal.addEventListener('abort', onAbort, { once: true });
      const stopPreviews =
        deltaTypes.size > 0
          ? relayPreviews(deps, sessionId, deltaTypes, (frame) => {
              if (!closed) controller.enqueue(frame);
            })
          : () => {};
      cleanup = () => {
        unsubscribe();
        stopPreviews();
        clearInterval(heartbeat);
        signal.removeEventListener('abort', onAbort);
      };
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(body, {
    status: 200,
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    },
  });
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
  return deps.previews.subscribe(sessionId, (event) => {
    if (event.type === 'event_start') {
      if (!deltaTypes.has(event.event.type)) return;
      opened.add(event.event.id);
      send(sseMessage('event_start', event));
    } else if (opened.has(event.event_id)) {
      send(sseMessage('event_delta', event));
    }
  });
}
