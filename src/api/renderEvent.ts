import type { StoredEvent } from '../core/sessionLog.js';

/** The public form of a stored event: `id`, `type`, its data, `processed_at`. Never `hidden`. */
export function renderEvent(event: StoredEvent): Record<string, unknown> {
  return { id: event.id, type: event.type, ...event.data, processed_at: event.processedAt };
}

const encoder = new TextEncoder();
const frames = new WeakMap<StoredEvent, Uint8Array>();

/**
 * One SSE message per event, in the framing the SDK's `Stream` parses: `event:` (it drops
 * messages without one) and one `data:` line of JSON. `id:` is the log position, for clients
 * that resume with `Last-Event-ID`. Encoded once per event, however many streams carry it.
 */
export function sseFrame(event: StoredEvent): Uint8Array {
  let frame = frames.get(event);
  if (!frame) {
    frame = encoder.encode(`event: ${event.type}\nid: ${event.seq}\ndata: ${JSON.stringify(renderEvent(event))}\n\n`);
    frames.set(event, frame);
  }
  return frame;
}

/** An ephemeral SSE message (previews, pings) that has no log position. */
export function sseMessage(type: string, data: unknown): Uint8Array {
  return encoder.encode(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
}
