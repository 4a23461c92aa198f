/**
 * Live previews of what the model is writing (`event_start` / `event_delta`), relayed from the
 * brain to stream connections that opted in. Never stored: the buffered event that follows
 * (`agent.message`, `agent.thinking`) is the record.
 */
export type PreviewEvent =
  | { type: 'event_start'; event: { id: string; type: 'agent.message' | 'agent.thinking' } }
  | {
      type: 'event_delta';
      event_id: string;
      delta: { type: 'content_delta'; content: { type: 'text'; text: string }; index: number };
    };

export interface Previews {
  publish(sessionId: string, event: PreviewEvent): void;
  subscribe(sessionId: string, listener: (event: PreviewEvent) => void): () => void;
}
