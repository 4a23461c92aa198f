import { BadRequestError, NotFoundError } from '@anthropic-ai/sdk';
import type { BetaManagedAgentsStreamSessionEvents } from '@anthropic-ai/sdk/resources/beta/sessions/events.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBosun, type TestBosun } from '../helpers/bosun.js';
import {
  anyString,
  apiError,
  collect,
  createEnvironment,
  createSession,
  sleep,
  take,
  text,
  userMessage,
} from '../helpers/fixtures.js';

const HEARTBEAT_MS = 100;

let bosun: TestBosun;
let environmentId: string;
beforeAll(async () => {
  bosun = await startTestBosun({ heartbeatMs: HEARTBEAT_MS });
  environmentId = (await createEnvironment(bosun.client)).id;
});
afterAll(() => bosun.close());

const newSession = () => createSession(bosun.client, { environment_id: environmentId });

const sendText = async (sessionId: string, ...texts: string[]) =>
  (await bosun.client.beta.sessions.events.send(sessionId, { events: texts.map(userMessage) })).data ?? [];

const textOf = (event: BetaManagedAgentsStreamSessionEvents) =>
  event.type === 'user.message' && event.content[0]?.type === 'text' ? event.content[0].text : undefined;

interface ErrorBody {
  type: string;
  error: { type: string; message: string };
}

interface SseMessage {
  event?: string;
  id?: string;
  data: string;
}

/** Reads a raw SSE response until `done` holds for the messages so far (or the timeout passes). */
async function readSse(
  response: Response,
  done: (messages: SseMessage[], raw: string) => boolean,
  timeoutMs = 5_000,
): Promise<{ messages: SseMessage[]; raw: string }> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let raw = '';
  const timer = setTimeout(() => void reader.cancel(), timeoutMs);
  try {
    while (!done(parseSse(raw), raw)) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      raw += value;
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
  return { messages: parseSse(raw), raw };
}

function parseSse(raw: string): SseMessage[] {
  return raw
    .split('\n\n')
    .slice(0, -1)
    .map((block) => {
      const message: SseMessage = { data: '' };
      for (const line of block.split('\n')) {
        const [field, ...rest] = line.split(': ');
        const value = rest.join(': ');
        if (field === 'event') message.event = value;
        else if (field === 'id') message.id = value;
        else if (field === 'data') message.data += value;
      }
      return message;
    });
}

describe('stream: live events through the SDK', () => {
  it('receives events sent after it connected, in order, and none from before', async () => {
    const session = await newSession();
    await sendText(session.id, 'history');
    const stream = await bosun.client.beta.sessions.events.stream(session.id);
    const received = take(stream, 5);
    const sent = [...(await sendText(session.id, 'a', 'b')), ...(await sendText(session.id, 'c'))];
    await bosun.client.beta.sessions.update(session.id, { title: 'streamed' });
    sent.push(...(await sendText(session.id, 'd')));

    const events = await received;
    expect(events.map((event) => event.type)).toEqual([
      'user.message',
      'user.message',
      'user.message',
      'session.updated',
      'user.message',
    ]);
    expect(events.map(textOf)).toEqual(['a', 'b', 'c', undefined, 'd']);
    const messages = events.filter((event) => event.type === 'user.message');
    expect(messages).toEqual(sent);
    expect(events[3]).toMatchObject({ type: 'session.updated', title: 'streamed' });
  });

  it("carries only its own session's events", async () => {
    const mine = await newSession();
    const other = await newSession();
    const stream = await bosun.client.beta.sessions.events.stream(mine.id);
    const received = take(stream, 1);
    await sendText(other.id, 'not for you');
    await sendText(mine.id, 'for you');
    expect((await received).map(textOf)).toEqual(['for you']);
  });

  it('keeps content intact: SSE-looking text, unicode and a large event', async () => {
    const session = await newSession();
    const stream = await bosun.client.beta.sessions.events.stream(session.id);
    const received = take(stream, 3);
    const tricky = 'line\n\nevent: ping\ndata: {"type":"forged"}\r\n\r\nid: 99\n';
    const unicode = 'héllo wörld — 你好 👋🏽 \u2028 end';
    const large = 'x'.repeat(1024 * 1024);
    await sendText(session.id, tricky, unicode, large);
    expect((await received).map(textOf)).toEqual([tricky, unicode, large]);
    const listed = await collect(bosun.client.beta.sessions.events.list(session.id));
    expect(listed.map(textOf)).toEqual([tricky, unicode, large]);
  });

  it('delivers everything to several concurrent subscribers', async () => {
    const session = await newSession();
    const streams = await Promise.all([1, 2, 3].map(() => bosun.client.beta.sessions.events.stream(session.id)));
    const received = streams.map((stream) => take(stream, 6));
    const sent = [];
    for (let i = 0; i < 3; i++) sent.push(...(await sendText(session.id, `m${i}a`, `m${i}b`)));
    for (const events of await Promise.all(received)) expect(events).toEqual(sent);
  });

  it('skips pings: only events reach the SDK even when they arrive between heartbeats', async () => {
    const session = await newSession();
    const stream = await bosun.client.beta.sessions.events.stream(session.id);
    const received = take(stream, 2);
    await sleep(HEARTBEAT_MS * 3);
    await sendText(session.id, 'after pings');
    await sleep(HEARTBEAT_MS * 2);
    await sendText(session.id, 'later');
    expect((await received).map(textOf)).toEqual(['after pings', 'later']);
  });

  it('ends after session.deleted when the session is deleted while streaming', async () => {
    const session = await newSession();
    const stream = await bosun.client.beta.sessions.events.stream(session.id);
    const all = collect(stream);
    await sendText(session.id, 'last words');
    await bosun.client.beta.sessions.delete(session.id);
    const events = await Promise.race([all, sleep(5_000).then(() => 'timed out' as const)]);
    if (events === 'timed out') {
      stream.controller.abort();
      throw new Error('the stream did not end after session.deleted');
    }
    expect(events.map((event) => event.type)).toEqual(['user.message', 'session.deleted']);
    expect(events[1]).toMatchObject({ id: anyString, processed_at: anyString });
  });

  it('accepts event_deltas through the SDK', async () => {
    const session = await newSession();
    const stream = await bosun.client.beta.sessions.events.stream(session.id, {
      event_deltas: ['agent.message', 'agent.thinking'],
    });
    const received = take(stream, 1);
    await sendText(session.id, 'with deltas');
    expect((await received).map(textOf)).toEqual(['with deltas']);
  });

  it('answers 404 for an unknown session before streaming', async () => {
    await apiError(bosun.client.beta.sessions.events.stream('sesn_unknown'), NotFoundError);
  });

  it('drops the subscription when the client goes away', async () => {
    const session = await newSession();
    const store = bosun.server.store as unknown as { bus: { subscriberCount(id: string): number } };
    const stream = await bosun.client.beta.sessions.events.stream(session.id);
    const received = take(stream, 1);
    await sendText(session.id, 'one');
    await received;
    // The SDK aborted its request; the server must notice and unsubscribe (no leaked listener or timer).
    for (let i = 0; i < 50 && store.bus.subscriberCount(session.id) > 0; i++) await sleep(20);
    expect(store.bus.subscriberCount(session.id)).toBe(0);
  });
});

describe('stream: wire level', () => {
  it('frames each event as `event: <type>`, `id: <seq>`, one `data:` line of JSON', async () => {
    const session = await newSession();
    const response = await bosun.fetch(`/v1/sessions/${session.id}/events/stream`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const reading = readSse(response, (messages) => messages.some((m) => m.event === 'user.message'));
    const [event] = await sendText(session.id, 'framed');
    const { messages } = await reading;
    const message = messages.find((m) => m.event === 'user.message')!;
    expect(message.id).toBe('1');
    expect(JSON.parse(message.data)).toEqual(event);
  });

  it('replays from the position after Last-Event-ID', async () => {
    const session = await newSession();
    const sent = await sendText(session.id, 'one', 'two', 'three');
    const response = await bosun.fetch(`/v1/sessions/${session.id}/events/stream`, {
      headers: { 'Last-Event-ID': '1' },
    });
    const { messages } = await readSse(response, (m) => m.filter((x) => x.event === 'user.message').length >= 2);
    const events = messages.filter((m) => m.event === 'user.message');
    expect(events.map((m) => m.id)).toEqual(['2', '3']);
    expect(events.map((m) => JSON.parse(m.data) as unknown)).toEqual(sent.slice(1));
  });

  it('rejects a Last-Event-ID that is not a position', async () => {
    const session = await newSession();
    const response = await bosun.fetch(`/v1/sessions/${session.id}/events/stream`, {
      headers: { 'Last-Event-ID': 'sevt_abc' },
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody).error.type).toBe('invalid_request_error');
  });

  it('sends `event: ping` keep-alives', async () => {
    const session = await newSession();
    const response = await bosun.fetch(`/v1/sessions/${session.id}/events/stream`);
    const { raw } = await readSse(response, (_, raw) => raw.includes('event: ping'), HEARTBEAT_MS * 20);
    expect(raw).toContain('event: ping\ndata: ');
  });

  it('accepts event_deltas[] (encoded or not) and bare event_deltas; rejects unknown values', async () => {
    const session = await newSession();
    for (const query of [
      'event_deltas%5B%5D=agent.message',
      'event_deltas[]=agent.message&event_deltas[]=agent.thinking',
      'event_deltas=agent.thinking',
    ]) {
      const response = await bosun.fetch(`/v1/sessions/${session.id}/events/stream?${query}`);
      expect(response.status, query).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      await response.body?.cancel();
    }
    const bad = await bosun.fetch(`/v1/sessions/${session.id}/events/stream?event_deltas%5B%5D=agent.tool_use`);
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as ErrorBody;
    expect(body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(body.error.message).toContain('event_deltas');
    await apiError(
      bosun.client.beta.sessions.events.stream(session.id, { event_deltas: ['user.message' as never] }),
      BadRequestError,
    );
  });

  it('ends the raw stream with the session.deleted message', async () => {
    const session = await newSession();
    const response = await bosun.fetch(`/v1/sessions/${session.id}/events/stream`);
    const reading = readSse(response, () => false);
    await sendText(session.id, 'bye');
    await bosun.client.beta.sessions.delete(session.id);
    const { messages } = await reading;
    const events = messages.filter((m) => m.event !== 'ping');
    expect(events.map((m) => m.event)).toEqual(['user.message', 'session.deleted']);
    expect(JSON.parse(events[1]!.data)).toMatchObject({ type: 'session.deleted' });
  });
});

describe('stream: resume across a restart', () => {
  it('replays after Last-Event-ID from a new server on the same data dir', async () => {
    let server = await startTestBosun();
    try {
      const session = await createSession(server.client);
      const { data: sent = [] } = await server.client.beta.sessions.events.send(session.id, {
        events: ['one', 'two', 'three'].map(userMessage),
      });
      server = await server.restart();
      const response = await server.fetch(`/v1/sessions/${session.id}/events/stream`, {
        headers: { 'Last-Event-ID': '1' },
      });
      const { messages } = await readSse(response, (m) => m.filter((x) => x.event === 'user.message').length >= 2);
      const events = messages.filter((m) => m.event === 'user.message');
      expect(events.map((m) => m.id)).toEqual(['2', '3']);
      expect(events.map((m) => JSON.parse(m.data) as unknown)).toEqual(sent.slice(1));
    } finally {
      await server.close();
    }
  });
});

describe('stream: system.message content survives the wire', () => {
  it('streams a system.message after its user.message', async () => {
    const session = await newSession();
    const stream = await bosun.client.beta.sessions.events.stream(session.id);
    const received = take(stream, 2);
    await bosun.client.beta.sessions.events.send(session.id, {
      events: [userMessage('q'), { type: 'system.message', content: text('context') }],
    });
    expect((await received).map((event) => event.type)).toEqual(['user.message', 'system.message']);
  });
});

describe('a stream cut by the server', () => {
  it('fails in the SDK instead of ending as if the stream were finished, so the client knows to resume', async () => {
    const own = await startTestBosun();
    try {
      const session = await createSession(own.client, { environment_id: (await createEnvironment(own.client)).id });
      const stream = await own.client.beta.sessions.events.stream(session.id);
      const outcome = (async () => {
        for await (const _event of stream) {
          // no events expected before the cut
        }
        return 'ended quietly';
      })().catch((error: unknown) => error);
      await sleep(100);
      await own.close({ keepData: true });
      expect(await outcome).toBeInstanceOf(Error);
    } finally {
      await own.close().catch(() => undefined);
    }
  });
});
