import type { PreviewEvent, Previews } from '../core/previews.js';

/** Previews within one process: the embedded mode's brain and API share it. */
export class InProcessPreviews implements Previews {
  private readonly listeners = new Map<string, Set<(event: PreviewEvent) => void>>();

  publish(sessionId: string, event: PreviewEvent): void {
    const set = this.listeners.get(sessionId);
    if (!set) return;
    for (const listener of set) {
      try {
        listener(event);
      } catch {
        // A broken stream must not stop the model or other streams; it is cleaned up on close.
      }
    }
  }

  subscribe(sessionId: string, listener: (event: PreviewEvent) => void): () => void {
    let set = this.listeners.get(sessionId);
    if (!set) this.listeners.set(sessionId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(sessionId);
    };
  }
}
