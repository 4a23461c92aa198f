import type { EventListener, StoredEvent } from '../core/sessionLog.js';

interface Subscriber {
  sessionId: string;
  lastSeq: number;
  listener: EventListener;
  queue: StoredEvent[];
  scheduled: boolean;
  closed: boolean;
}

/** Where a listener's failure goes; it must never reach the appender or other subscribers. */
export type ListenerErrorHandler = (error: unknown, sessionId: string) => void;

const warn: ListenerErrorHandler = (error, sessionId) =>
  process.emitWarning(error instanceof Error ? error : String(error), {
    type: 'EventListenerError',
    detail: `session ${sessionId}`,
  });

/**
 * In-process fan-out of appended events to subscribers. Each subscriber has its own queue,
 * fed first with history and then with live appends, and drained in order on a microtask, so
 * a slow listener never delays the appender and no event is delivered twice or out of order.
 * A listener that throws or rejects is reported and keeps its subscription, like an
 * EventTarget listener: its failure is its own.
 */
export class EventBus {
  private readonly subscribers = new Map<string, Set<Subscriber>>();

  constructor(private readonly onListenerError: ListenerErrorHandler = warn) {}

  /** `history` must be every stored event after `afterSeq` at the time of the call. */
  subscribe(sessionId: string, afterSeq: number, history: StoredEvent[], listener: EventListener): () => void {
    const sub: Subscriber = { sessionId, lastSeq: afterSeq, listener, queue: [], scheduled: false, closed: false };
    let set = this.subscribers.get(sessionId);
    if (!set) this.subscribers.set(sessionId, (set = new Set()));
    set.add(sub);
    this.enqueue(sub, history);
    return () => {
      sub.closed = true;
      set.delete(sub);
      if (set.size === 0 && this.subscribers.get(sessionId) === set) this.subscribers.delete(sessionId);
    };
  }

  publish(sessionId: string, events: readonly StoredEvent[]): void {
    const set = this.subscribers.get(sessionId);
    if (!set) return;
    for (const sub of set) this.enqueue(sub, events);
  }

  subscriberCount(sessionId: string): number {
    return this.subscribers.get(sessionId)?.size ?? 0;
  }

  private enqueue(sub: Subscriber, events: readonly StoredEvent[]): void {
    for (const event of events) {
      if (event.seq <= sub.lastSeq) continue;
      sub.queue.push(event);
      sub.lastSeq = event.seq;
    }
    if (sub.queue.length === 0 || sub.scheduled) return;
    sub.scheduled = true;
    queueMicrotask(() => this.deliver(sub));
  }

  private deliver(sub: Subscriber): void {
    sub.scheduled = false;
    if (sub.closed) return;
    const batch = sub.queue;
    sub.queue = [];
    try {
      // Listeners are typed `=> void`, but an async one is assignable; catch its rejection too.
      const result: unknown = sub.listener(batch);
      if (result instanceof Promise) result.catch((error: unknown) => this.onListenerError(error, sub.sessionId));
    } catch (error) {
      this.onListenerError(error, sub.sessionId);
    }
  }
}
