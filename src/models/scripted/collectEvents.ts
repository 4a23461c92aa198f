import type { ContentBlock, ModelEvent, StopReason, Usage } from '../../core/modelProvider.js';

export interface CollectedResponse {
  events: ModelEvent[];
  /** The finished blocks in index order. */
  blocks: ContentBlock[];
  stopReason: StopReason | undefined;
  usage: Usage | undefined;
  /** What the stream threw, if it did (after the events above). */
  error: unknown;
}

/** Drains a provider stream: a test helper for adapters and for brain tests over the scripted model. */
export async function collectEvents(stream: AsyncIterable<ModelEvent>): Promise<CollectedResponse> {
  const events: ModelEvent[] = [];
  let error: unknown;
  try {
    for await (const event of stream) events.push(event);
  } catch (thrown) {
    error = thrown;
  }
  const stops = events.flatMap((e) => (e.type === 'block_stop' ? [e] : []));
  const end = events.find((e) => e.type === 'response_stop');
  return {
    events,
    blocks: stops.sort((a, b) => a.index - b.index).map((e) => e.block),
    stopReason: end?.stopReason,
    usage: end?.usage,
    error,
  };
}
