import { BadRequestError, NotFoundError } from '@anthropic-ai/sdk';
import type { BetaManagedAgentsEventParams } from '@anthropic-ai/sdk/resources/beta/sessions/events.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBosun, type TestBosun } from '../helpers/bosun.js';
import {
  anyString,
  apiError,
  collect,
  createEnvironment,
  createSession,
  matching,
  text,
  tick,
  userMessage,
} from '../helpers/fixtures.js';

let bosun: TestBosun;
let cloudEnvironmentId: string;
let selfHostedEnvironmentId: string;
beforeAll(async () => {
  bosun = await startTestBosun();
  cloudEnvironmentId = (await createEnvironment(bosun.client)).id;
  selfHostedEnvironmentId = (await createEnvironment(bosun.client, { config: { type: 'self_hosted' } })).id;
});
afterAll(() => bosun.close());

const newSession = (environmentId = cloudEnvironmentId) =>
  createSession(bosun.client, { environment_id: environmentId });

const send = (sessionId: string, events: BetaManagedAgentsEventParams[]) =>
  bosun.client.beta.sessions.events.send(sessionId, { events });

describe('events: send', () => {
  const sendable: Record<string, BetaManagedAgentsEventParams[]> = {
    'user.message': [userMessage('hello')],
    'user.interrupt': [{ type: 'user.interrupt' }],
    'user.tool_confirmation': [
      { type: 'user.tool_confirmation', tool_use_id: 'sevt_tooluse', result: 'deny', deny_message: 'no' },
    ],
    'user.custom_tool_result': [
      { type: 'user.custom_tool_result', custom_tool_use_id: 'sevt_custom', content: text('42'), is_error: false },
    ],
    'user.define_outcome': [
      { type: 'user.define_outcome', description: 'ship it', rubric: { type: 'text', content: 'works' } },
    ],
    'system.message': [userMessage('context follows'), { type: 'system.message', content: text('be terse') }],
  };

  for (const [type, events] of Object.entries(sendable)) {
    it(`stores ${type} and answers {data: [stored events]}`, async () => {
      const session = await newSession();
      const response = await send(session.id, events);
      expect(Object.keys(response)).toEqual(['data']);
      const data = response.data ?? [];
      expect(data.map((event) => event.type)).toEqual(events.map((event) => event.type));
      for (const [i, event] of data.entries()) {
        expect(event.id).toMatch(/^sevt_[0-9a-f]{32}$/);
        expect(event.processed_at).toBeNull();
        const { type: _type, ...fields } = events[i]!;
        expect(event).toMatchObject(fields);
      }
      expect(new Set(data.map((event) => event.id)).size).toBe(data.length);
      expect(await collect(bosun.client.beta.sessions.events.list(session.id))).toEqual(data);
    });
  }

  it('echoes user.define_outcome with an outcome id and the default max_iterations', async () => {
    const session = await newSession();
    const { data = [] } = await send(session.id, sendable['user.define_outcome']!);
    expect(data[0]).toMatchObject({ outcome_id: matching(/^outc_/), max_iterations: 3 });
  });

  it('accepts user.tool_result only on a self_hosted environment', async () => {
    const toolResult: BetaManagedAgentsEventParams = {
      type: 'user.tool_result',
      tool_use_id: 'sevt_x',
      content: text('ok'),
    };
    const cloud = await newSession(cloudEnvironmentId);
    const error = await apiError(send(cloud.id, [toolResult]), BadRequestError);
    expect(error.apiMessage).toContain('self_hosted');
    expect(await collect(bosun.client.beta.sessions.events.list(cloud.id))).toEqual([]);

    const selfHosted = await newSession(selfHostedEnvironmentId);
    const { data = [] } = await send(selfHosted.id, [toolResult, { type: 'system.message', content: text('note') }]);
    expect(data.map((event) => event.type)).toEqual(['user.tool_result', 'system.message']);
    expect(data[0]).toMatchObject({ tool_use_id: 'sevt_x', content: text('ok'), processed_at: null });
  });

  it('enforces the system.message rules: one, last, right after what it accompanies', async () => {
    const session = await newSession();
    const system = { type: 'system.message' as const, content: text('s') };
    const rejected: BetaManagedAgentsEventParams[][] = [
      [system],
      [system, userMessage('after')],
      [userMessage('a'), system, userMessage('b')],
      [userMessage('a'), system, system],
      [{ type: 'user.interrupt' }, system],
    ];
    for (const events of rejected) {
      const error = await apiError(send(session.id, events), BadRequestError);
      expect(error.apiMessage).toContain('system.message');
    }
    expect(await collect(bosun.client.beta.sessions.events.list(session.id))).toEqual([]);
    const custom = { type: 'user.custom_tool_result' as const, custom_tool_use_id: 'sevt_c' };
    expect((await send(session.id, [custom, system])).data).toHaveLength(2);
  });

  it('rejects unknown event types and deny_message on allow, storing nothing', async () => {
    const session = await newSession();
    await apiError(send(session.id, [{ type: 'agent.message', content: text('forged') } as never]), BadRequestError);
    await apiError(
      send(session.id, [
        { type: 'user.tool_confirmation', tool_use_id: 'sevt_t', result: 'allow', deny_message: 'why' },
      ]),
      BadRequestError,
    );
    // One bad event rejects the whole batch.
    await apiError(send(session.id, [userMessage('ok'), { type: 'user.bogus' } as never]), BadRequestError);
    expect(await collect(bosun.client.beta.sessions.events.list(session.id))).toEqual([]);
  });

  it('answers 404 for an unknown session', async () => {
    await apiError(send('sesn_unknown', [userMessage('hi')]), NotFoundError);
    await apiError(
      bosun.client.beta.sessions.events.list('sesn_unknown').then((page) => page.data),
      NotFoundError,
    );
  });
});

describe('events: list', () => {
  let sessionId: string;
  let ids: string[];
  let types: string[];

  beforeAll(async () => {
    sessionId = (await newSession()).id;
    const batches: BetaManagedAgentsEventParams[][] = [
      [userMessage('one'), userMessage('two')],
      [{ type: 'user.interrupt' }],
      [userMessage('three'), { type: 'system.message', content: text('sys') }],
      [{ type: 'user.custom_tool_result', custom_tool_use_id: 'sevt_c' }],
      [userMessage('four')],
    ];
    ids = [];
    types = [];
    for (const batch of batches) {
      const { data = [] } = await send(sessionId, batch);
      ids.push(...data.map((event) => event.id));
      types.push(...data.map((event) => event.type));
    }
  });

  it('lists every event in send order (asc by default), across pages', async () => {
    const first = await bosun.client.beta.sessions.events.list(sessionId, { limit: 2 });
    expect(first.data.map((event) => event.id)).toEqual(ids.slice(0, 2));
    expect(first.next_page).toEqual(anyString);
    const all = await collect(bosun.client.beta.sessions.events.list(sessionId, { limit: 2 }));
    expect(all.map((event) => event.id)).toEqual(ids);
    expect(all.map((event) => event.type)).toEqual(types);
    const last = await bosun.client.beta.sessions.events.list(sessionId, { limit: ids.length });
    expect(last.next_page).toBeNull();
  });

  it('lists newest first with order=desc, across pages', async () => {
    const all = await collect(bosun.client.beta.sessions.events.list(sessionId, { order: 'desc', limit: 3 }));
    expect(all.map((event) => event.id)).toEqual([...ids].reverse());
    const asc = await collect(bosun.client.beta.sessions.events.list(sessionId, { order: 'asc', limit: 3 }));
    expect(asc.map((event) => event.id)).toEqual(ids);
  });

  it('filters on types[] (sent as percent-encoded brackets), across pages', async () => {
    const messages = await collect(
      bosun.client.beta.sessions.events.list(sessionId, { types: ['user.message'], limit: 1 }),
    );
    expect(messages.map((event) => event.id)).toEqual(ids.filter((_, i) => types[i] === 'user.message'));
    expect(messages).toHaveLength(4);

    const two = await collect(
      bosun.client.beta.sessions.events.list(sessionId, {
        types: ['user.interrupt', 'system.message'],
        order: 'desc',
        limit: 1,
      }),
    );
    expect(two.map((event) => event.type)).toEqual(['system.message', 'user.interrupt']);
    expect(await collect(bosun.client.beta.sessions.events.list(sessionId, { types: ['agent.message'] }))).toEqual([]);
    await apiError(
      bosun.client.beta.sessions.events.list(sessionId, { types: ['not.a.type' as never] }).then((page) => page.data),
      BadRequestError,
    );
  });

  it('filters on created_at', async () => {
    const session = await newSession();
    const { data: early = [] } = await send(session.id, [userMessage('early')]);
    const boundary = await tick();
    const { data: late = [] } = await send(session.id, [userMessage('late')]);
    const after = await collect(bosun.client.beta.sessions.events.list(session.id, { 'created_at[gt]': boundary }));
    expect(after.map((event) => event.id)).toEqual(late.map((event) => event.id));
    const before = await collect(bosun.client.beta.sessions.events.list(session.id, { 'created_at[lte]': boundary }));
    expect(before.map((event) => event.id)).toEqual(early.map((event) => event.id));
  });
});

describe('events: durability', () => {
  it('lists the same events after the server restarts on the same data dir', async () => {
    let server = await startTestBosun();
    try {
      const session = await createSession(server.client, { initial_events: [userMessage('before')] });
      await server.client.beta.sessions.update(session.id, { title: 'durable' });
      await server.client.beta.sessions.events.send(session.id, {
        events: [userMessage('one'), { type: 'system.message', content: text('two') }],
      });
      const before = await collect(server.client.beta.sessions.events.list(session.id));
      expect(before).toHaveLength(4);

      server = await server.restart();
      const after = await collect(server.client.beta.sessions.events.list(session.id, { limit: 3 }));
      expect(after).toEqual(before);
      expect(await server.client.beta.sessions.retrieve(session.id)).toMatchObject({
        title: 'durable',
        status: 'idle',
      });

      // The log continues where it stopped: new events follow, with fresh ids.
      const { data = [] } = await server.client.beta.sessions.events.send(session.id, {
        events: [userMessage('three')],
      });
      const all = await collect(server.client.beta.sessions.events.list(session.id));
      expect(all.map((event) => event.id)).toEqual([...before.map((event) => event.id), data[0]!.id]);
    } finally {
      await server.close();
    }
  });
});
