import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type {
  BetaManagedAgentsEventParams,
  BetaManagedAgentsSessionEventType,
  EventSendParams,
} from '@anthropic-ai/sdk/resources/beta/sessions/events.js';
import type { BetaManagedAgentsDeltaType } from '@anthropic-ai/sdk/resources/beta/sessions/sessions.js';
import {
  ALL_EVENT_TYPES,
  DELTA_TYPES,
  PREVIEW_EVENT_TYPES,
  SERVER_EVENT_TYPES,
  TEXT_RUBRIC_MAX_CHARS,
  USER_EVENT_TYPES,
  eventSendBodySchema,
  previewEventSchema,
  serverEventSchema,
  userEventSchema,
  type PreviewEvent,
  type ServerEvent,
  type SessionEvent,
  type StreamEvent,
} from './events.js';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;
type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Variant<U, T> = Extract<U, { type: T }>;
type ServerInput = z.input<typeof serverEventSchema>;

/** Emitted types whose schema input or output differs from the SDK's variant of that type. */
type ServerMismatches = {
  [T in ServerEvent['type']]: Mutual<Variant<ServerInput, T>, Variant<SessionEvent, T>> extends true
    ? Mutual<Variant<ServerEvent, T>, Variant<SessionEvent, T>> extends true
      ? never
      : T
    : T;
}[ServerEvent['type']];

export type EventPins = [
  Assert<Equals<(typeof ALL_EVENT_TYPES)[number], BetaManagedAgentsSessionEventType>>,
  Assert<Equals<(typeof USER_EVENT_TYPES)[number], BetaManagedAgentsEventParams['type']>>,
  Assert<Equals<(typeof USER_EVENT_TYPES)[number] | (typeof SERVER_EVENT_TYPES)[number], SessionEvent['type']>>,
  Assert<Equals<(typeof DELTA_TYPES)[number], BetaManagedAgentsDeltaType>>,
  Assert<Equals<SessionEvent['type'] | (typeof PREVIEW_EVENT_TYPES)[number], StreamEvent['type']>>,
  Assert<Mutual<z.input<typeof userEventSchema>, BetaManagedAgentsEventParams>>,
  Assert<z.output<typeof userEventSchema> extends BetaManagedAgentsEventParams ? true : false>,
  Assert<Omit<EventSendParams, 'betas' | 'workspace_id'> extends z.input<typeof eventSendBodySchema> ? true : false>,
  Assert<Mutual<PreviewEvent, Exclude<StreamEvent, SessionEvent>>>,
  Assert<Equals<ServerMismatches, never>>,
];

function issuesOf(schema: z.ZodType, input: unknown) {
  const result = schema.safeParse(input);
  if (result.success) throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
  return result.error.issues;
}

const accepts = (schema: z.ZodType, input: unknown) => expect(schema.safeParse(input).error?.issues).toBeUndefined();

describe('type name lists, pinned to the SDK 1.14.0 unions', () => {
  it('ALL_EVENT_TYPES is BetaManagedAgentsSessionEventType in SDK order', () => {
    expect(ALL_EVENT_TYPES).toEqual([
      'user.message',
      'user.interrupt',
      'user.tool_confirmation',
      'user.custom_tool_result',
      'agent.custom_tool_use',
      'agent.message',
      'agent.thinking',
      'agent.mcp_tool_use',
      'agent.mcp_tool_result',
      'agent.tool_use',
      'agent.tool_result',
      'agent.thread_message_received',
      'agent.thread_message_sent',
      'agent.thread_context_compacted',
      'session.error',
      'session.status_rescheduled',
      'session.status_running',
      'session.status_idle',
      'session.status_terminated',
      'session.thread_created',
      'span.outcome_evaluation_start',
      'span.outcome_evaluation_end',
      'span.model_request_start',
      'span.model_request_end',
      'span.outcome_evaluation_ongoing',
      'user.define_outcome',
      'session.thread_status_running',
      'session.thread_status_idle',
      'session.thread_status_terminated',
      'user.tool_result',
      'session.thread_status_rescheduled',
      'session.updated',
      'system.message',
      'session.usage',
      'workflow_run.created',
      'workflow_run.status_running',
      'workflow_run.status_idle',
      'workflow_run.status_ended',
      'workflow_run.error',
      'workflow_run.phase_started',
      'workflow_run.phase_ended',
    ]);
    expect(ALL_EVENT_TYPES).not.toContain('session.deleted');
  });

  it('USER_EVENT_TYPES is the BetaManagedAgentsEventParams union', () => {
    expect([...USER_EVENT_TYPES].sort()).toEqual([
      'system.message',
      'user.custom_tool_result',
      'user.define_outcome',
      'user.interrupt',
      'user.message',
      'user.tool_confirmation',
      'user.tool_result',
    ]);
    expect(userEventSchema.options.map((option) => option.shape.type.value).sort()).toEqual(
      [...USER_EVENT_TYPES].sort(),
    );
  });

  it('SERVER_EVENT_TYPES is every other stored type plus session.deleted', () => {
    const users: readonly string[] = USER_EVENT_TYPES;
    const expected = [...ALL_EVENT_TYPES.filter((type) => !users.includes(type)), 'session.deleted'];
    expect([...SERVER_EVENT_TYPES].sort()).toEqual(expected.sort());
    expect(new Set(SERVER_EVENT_TYPES).size).toBe(SERVER_EVENT_TYPES.length);
  });

  it('DELTA_TYPES and PREVIEW_EVENT_TYPES', () => {
    expect(DELTA_TYPES).toEqual(['agent.message', 'agent.thinking']);
    expect(PREVIEW_EVENT_TYPES).toEqual(['event_start', 'event_delta']);
  });

  it('serverEventSchema covers exactly the first-version emitted types', () => {
    expect(serverEventSchema.options.map((option) => option.shape.type.value)).toEqual([
      'session.status_running',
      'session.status_idle',
      'session.status_rescheduled',
      'session.status_terminated',
      'session.error',
      'session.updated',
      'session.usage',
      'session.deleted',
      'span.model_request_start',
      'span.model_request_end',
      'agent.message',
      'agent.thinking',
      'agent.tool_use',
      'agent.tool_result',
      'agent.custom_tool_use',
      'agent.mcp_tool_use',
      'agent.mcp_tool_result',
      'agent.thread_context_compacted',
    ]);
  });
});

const text = { type: 'text', text: 'hi' };

describe('userEventSchema', () => {
  it.each([
    { type: 'user.message', content: [text] },
    { type: 'user.message', content: [{ type: 'redacted' }] },
    {
      type: 'user.message',
      content: [{ type: 'image', source: { type: 'base64', data: 'AA==', media_type: 'image/png' } }],
    },
    { type: 'user.message', content: [{ type: 'image', source: { type: 'url', url: 'https://x/y.png' } }] },
    { type: 'user.message', content: [{ type: 'image', source: { type: 'file', file_id: 'file_1' } }] },
    {
      type: 'user.message',
      content: [
        { type: 'document', source: { type: 'text', data: 'x', media_type: 'text/plain' }, title: 't', context: null },
      ],
    },
    {
      type: 'user.message',
      content: [{ type: 'document', source: { type: 'base64', data: 'AA==', media_type: 'application/pdf' } }],
    },
    { type: 'user.message', content: [{ type: 'document', source: { type: 'url', url: 'https://x/y.pdf' } }] },
    { type: 'user.message', content: [{ type: 'document', source: { type: 'file', file_id: 'file_1' } }] },
    { type: 'user.interrupt' },
    { type: 'user.interrupt', session_thread_id: 'sthr_1' },
    { type: 'user.tool_confirmation', tool_use_id: 'sevt_1', result: 'allow' },
    { type: 'user.tool_confirmation', tool_use_id: 'sevt_1', result: 'allow', deny_message: null },
    { type: 'user.tool_confirmation', tool_use_id: 'sevt_1', result: 'deny', deny_message: 'no' },
    { type: 'user.custom_tool_result', custom_tool_use_id: 'sevt_1' },
    { type: 'user.custom_tool_result', custom_tool_use_id: 'sevt_1', content: [text], is_error: null },
    {
      type: 'user.tool_result',
      tool_use_id: 'sevt_1',
      is_error: true,
      content: [
        { type: 'search_result', citations: { enabled: true }, content: [text], source: 'https://x', title: 'x' },
      ],
    },
    { type: 'user.define_outcome', description: 'd', rubric: { type: 'text', content: 'r' } },
    { type: 'user.define_outcome', description: 'd', rubric: { type: 'file', file_id: 'file_1' }, max_iterations: 20 },
    { type: 'system.message', content: [text] },
  ])('accepts %j', (event) => accepts(userEventSchema, event));

  it.each([
    [{ type: 'user.message', content: [text], id: 'sevt_1' }, []],
    [{ type: 'user.message', content: [{ ...text, cache_control: {} }] }, ['content', 0]],
    [
      { type: 'user.message', content: [{ type: 'image', source: { type: 'url', url: 'u', detail: 'hi' } }] },
      ['content', 0, 'source'],
    ],
    [{ type: 'user.interrupt', reason: 'x' }, []],
    [
      { type: 'user.define_outcome', description: 'd', rubric: { type: 'text', content: 'r', format: 'md' } },
      ['rubric'],
    ],
    [{ type: 'system.message', content: [text], role: 'system' }, []],
  ])('names unknown fields by path: %j', (event, path) => {
    expect(issuesOf(userEventSchema, event)).toEqual([expect.objectContaining({ code: 'unrecognized_keys', path })]);
  });

  it.each([
    { type: 'agent.message', content: [text] },
    { type: 'user.message' },
    {
      type: 'user.message',
      content: [{ type: 'search_result', citations: { enabled: true }, content: [], source: 's', title: 't' }],
    },
    {
      type: 'user.message',
      content: [{ type: 'document', source: { type: 'text', data: 'x', media_type: 'text/markdown' } }],
    },
    { type: 'user.tool_result', tool_use_id: 'x', content: [{ type: 'redacted' }] },
    { type: 'user.tool_confirmation', tool_use_id: 'x', result: 'maybe' },
    { type: 'system.message', content: [{ type: 'image', source: { type: 'file', file_id: 'f' } }] },
  ])('rejects %j', (event) => {
    expect(userEventSchema.safeParse(event).success).toBe(false);
  });

  it('allows deny_message only with deny', () => {
    const event = { type: 'user.tool_confirmation', tool_use_id: 'sevt_1', result: 'allow', deny_message: 'no' };
    expect(issuesOf(userEventSchema, event)).toEqual([
      expect.objectContaining({ code: 'custom', path: ['deny_message'] }),
    ]);
  });

  describe('user.define_outcome', () => {
    const outcome = (extra: object) => ({
      type: 'user.define_outcome',
      description: 'd',
      rubric: { type: 'text', content: 'r' },
      ...extra,
    });

    it('defaults max_iterations to 3', () => {
      expect(userEventSchema.parse(outcome({}))).toMatchObject({ max_iterations: 3 });
      expect(userEventSchema.parse(outcome({ max_iterations: null }))).toMatchObject({ max_iterations: 3 });
      expect(userEventSchema.parse(outcome({ max_iterations: 7 }))).toMatchObject({ max_iterations: 7 });
    });

    it.each([21, 0, 2.5])('rejects max_iterations %s', (n) => {
      expect(issuesOf(userEventSchema, outcome({ max_iterations: n }))[0]?.path).toEqual(['max_iterations']);
    });

    it('caps a text rubric at 262144 characters', () => {
      accepts(userEventSchema, outcome({ rubric: { type: 'text', content: 'x'.repeat(TEXT_RUBRIC_MAX_CHARS) } }));
      const tooLong = outcome({ rubric: { type: 'text', content: 'x'.repeat(TEXT_RUBRIC_MAX_CHARS + 1) } });
      expect(issuesOf(userEventSchema, tooLong)).toEqual([
        expect.objectContaining({ code: 'too_big', path: ['rubric', 'content'] }),
      ]);
    });
  });
});

describe('eventSendBodySchema', () => {
  const message = { type: 'user.message', content: [text] };
  const system = { type: 'system.message', content: [text] };
  const interrupt = { type: 'user.interrupt' };

  it('accepts any number of events, including none', () => {
    accepts(eventSendBodySchema, { events: [] });
    accepts(eventSendBodySchema, { events: Array.from({ length: 200 }, () => message) });
  });

  it('names unknown top-level fields', () => {
    expect(issuesOf(eventSendBodySchema, { events: [], stream: true })).toEqual([
      expect.objectContaining({ code: 'unrecognized_keys', keys: ['stream'], path: [] }),
    ]);
  });

  it('names the bad event by index', () => {
    expect(
      issuesOf(eventSendBodySchema, { events: [message, { type: 'user.message', content: [text], x: 1 }] }),
    ).toEqual([expect.objectContaining({ code: 'unrecognized_keys', keys: ['x'], path: ['events', 1] })]);
  });

  it.each([
    [message, system],
    [interrupt, { type: 'user.tool_result', tool_use_id: 't' }, system],
    [{ type: 'user.custom_tool_result', custom_tool_use_id: 't' }, system],
  ])('accepts a final system.message right after the event it accompanies', (...events) => {
    accepts(eventSendBodySchema, { events });
  });

  it.each([
    [[system], ['events', 0]],
    [
      [interrupt, system],
      ['events', 1],
    ],
    [
      [message, system, interrupt],
      ['events', 1],
    ],
    [[message, system, message, system], ['events']],
  ])('rejects a misplaced or repeated system.message: %j', (events, path) => {
    expect(issuesOf(eventSendBodySchema, { events })).toEqual([expect.objectContaining({ code: 'custom', path })]);
  });
});

const at = '2026-11-25T10:00:00.000Z';
const base = (type: string) => ({ id: 'sevt_1', processed_at: at, type });
const usage = { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
const budget = { type: 'limit', max_list_cost: { amount: '2500', currency: 'USD' } };

describe('serverEventSchema', () => {
  it.each([
    base('session.status_running'),
    { ...base('session.status_idle'), stop_reason: { type: 'end_turn' }, stop_details: null },
    {
      ...base('session.status_idle'),
      stop_reason: { type: 'requires_action', event_ids: ['sevt_2'] },
      stop_details: null,
    },
    { ...base('session.status_idle'), stop_reason: { type: 'retries_exhausted' }, stop_details: null },
    { ...base('session.status_idle'), stop_reason: { type: 'budget_reached' }, stop_details: null },
    {
      ...base('session.status_idle'),
      stop_reason: { type: 'refusal' },
      stop_details: { type: 'refusal', category: null, explanation: null },
    },
    base('session.status_rescheduled'),
    base('session.status_terminated'),
    { ...base('session.error'), error: { type: 'unknown_error', message: 'm', retry_status: { type: 'terminal' } } },
    {
      ...base('session.error'),
      error: {
        type: 'mcp_connection_failed_error',
        message: 'm',
        mcp_server_name: 'gh',
        retry_status: { type: 'retrying' },
      },
    },
    {
      ...base('session.error'),
      error: {
        type: 'credential_host_unreachable_error',
        message: 'm',
        credential_id: 'vcrd_1',
        vault_id: 'vlt_1',
        retry_status: { type: 'exhausted' },
      },
    },
    {
      ...base('session.error'),
      error: { type: 'repository_clone_error', message: 'm', repository_url: null, retry_status: { type: 'retrying' } },
    },
    { ...base('session.updated'), title: 'new', budget: null, metadata: { a: 'b' } },
    { ...base('session.usage'), usage: { input_tokens: 1, list_cost: { amount: '0', currency: 'USD' } }, budget },
    base('session.deleted'),
    base('span.model_request_start'),
    {
      ...base('span.model_request_end'),
      model_request_start_id: 'sevt_0',
      is_error: null,
      model_usage: { ...usage, speed: 'fast' },
    },
    { ...base('agent.message'), content: [text, { type: 'redacted' }] },
    base('agent.thinking'),
    {
      ...base('agent.tool_use'),
      name: 'bash',
      input: { command: 'ls' },
      evaluated_permission: 'deny',
      evaluation: { type: 'auto', evaluated_permission: { type: 'deny', reason_code: 'high_risk' } },
    },
    { ...base('agent.tool_result'), tool_use_id: 'sevt_1', content: [text], is_error: false },
    { ...base('agent.custom_tool_use'), name: 'lookup', input: {}, session_thread_id: null },
    {
      ...base('agent.mcp_tool_use'),
      mcp_server_name: 'gh',
      name: 'search',
      input: {},
      evaluation: { type: 'always_ask' },
    },
    { ...base('agent.mcp_tool_result'), mcp_tool_use_id: 'sevt_1' },
    base('agent.thread_context_compacted'),
  ])('accepts %j', (event) => accepts(serverEventSchema, event));

  it.each([
    [{ ...base('session.status_running'), extra: 1 }, []],
    [
      { ...base('session.status_idle'), stop_reason: { type: 'end_turn', event_ids: [] }, stop_details: null },
      ['stop_reason'],
    ],
    [
      {
        ...base('session.error'),
        error: { type: 'billing_error', message: 'm', retry_status: { type: 'terminal' }, code: 1 },
      },
      ['error'],
    ],
    [
      {
        ...base('span.model_request_end'),
        model_request_start_id: 's',
        is_error: false,
        model_usage: { ...usage, cost: 1 },
      },
      ['model_usage'],
    ],
  ])('names unknown fields by path: %j', (event, path) => {
    expect(issuesOf(serverEventSchema, event)).toEqual([expect.objectContaining({ code: 'unrecognized_keys', path })]);
  });

  it.each([
    { ...base('session.status_idle'), stop_reason: { type: 'end_turn' } },
    { ...base('session.status_idle'), stop_reason: { type: 'paused' }, stop_details: null },
    { ...base('session.error'), error: { type: 'unknown_error', message: 'm' } },
    { ...base('session.error'), error: { type: 'disk_full_error', message: 'm', retry_status: { type: 'terminal' } } },
    {
      ...base('session.error'),
      error: { type: 'repository_clone_error', message: 'm', retry_status: { type: 'retrying' } },
    },
    { ...base('span.model_request_end'), model_request_start_id: 's', model_usage: usage },
    { ...base('agent.tool_use'), name: 'bash', input: {}, evaluated_permission: 'maybe' },
    {
      ...base('session.usage'),
      usage: {},
      budget: { type: 'limit', max_list_cost: { amount: '1.5', currency: 'USD' } },
    },
    { ...base('agent.message'), processed_at: 'yesterday', content: [] },
    { ...base('user.message'), content: [text] },
  ])('rejects %j', (event) => {
    expect(serverEventSchema.safeParse(event).success).toBe(false);
  });
});

describe('previewEventSchema', () => {
  it.each([
    { type: 'event_start', event: { type: 'agent.message', id: 'sevt_1' } },
    { type: 'event_start', event: { type: 'agent.thinking', id: 'sevt_1' } },
    { type: 'event_delta', event_id: 'sevt_1', delta: { type: 'content_delta', content: text, index: 0 } },
    { type: 'event_delta', event_id: 'sevt_1', delta: { type: 'content_delta', content: text } },
  ])('accepts %j', (event) => accepts(previewEventSchema, event));

  it.each([
    { type: 'event_start', event: { type: 'agent.tool_use', id: 'sevt_1' } },
    { type: 'event_delta', event_id: 'sevt_1', delta: { type: 'content_delta', content: { type: 'redacted' } } },
    { type: 'event_delta', event_id: 'sevt_1', delta: { type: 'content_delta', content: text }, id: 'x' },
  ])('rejects %j', (event) => {
    expect(previewEventSchema.safeParse(event).success).toBe(false);
  });
});
