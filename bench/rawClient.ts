import { Agent, type IncomingMessage, request } from 'node:http';

/**
 * A client as thin as the floor's (`floorServerMain.ts`): `node:http` with a keep-alive pool,
 * the event send as one POST, the stream read for two markers. The official SDK adds its own
 * request building and stream decoding (the baseline row shows what those cost); this client
 * leaves only the platform in the measurement.
 */
export interface RawTurn {
  /** When the first `event_delta` arrived (performance.now()). */
  firstDelta: Promise<number>;
  /** The turn ended (`session.status_idle`). */
  idle: Promise<void>;
  close(): void;
}

export function rawClient(baseUrl: string, apiKey: string) {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true });
  const headers = {
    'x-api-key': apiKey,
    'anthropic-version': '2023-06-01',
    'anthropic-beta': 'managed-agents-2026-04-01',
  };
  const target = { host: url.hostname, port: url.port };

  /** Opens the session's stream with message previews; resolves once its headers are in. */
  function openTurn(sessionId: string): Promise<RawTurn> {
    return new Promise((resolve, reject) => {
      const path = `/v1/sessions/${sessionId}/events/stream?event_deltas[]=agent.message`;
      const req = request({ ...target, path, headers }, (res: IncomingMessage) => {
        let text = '';
        let onDelta: (at: number) => void = () => {};
        let onIdle: () => void = () => {};
        const firstDelta = new Promise<number>((done) => (onDelta = done));
        const idle = new Promise<void>((done) => (onIdle = done));
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          if (text.includes('event: event_delta')) onDelta(performance.now());
          if (text.includes('event: session.status_idle')) onIdle();
        });
        resolve({ firstDelta, idle, close: () => res.destroy() });
      });
      req.on('error', reject);
      req.end();
    });
  }

  function sendMessage(sessionId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const body = JSON.stringify({ events: [{ type: 'user.message', content: [{ type: 'text', text: 'hi' }] }] });
      const req = request(
        {
          ...target,
          method: 'POST',
          path: `/v1/sessions/${sessionId}/events`,
          agent,
          headers: { ...headers, 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`POST ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  return { openTurn, sendMessage, close: () => agent.destroy() };
}
