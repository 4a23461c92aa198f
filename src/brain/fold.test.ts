import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../core/sessionLog.js';
import { buildModelRequest } from './buildRequest.js';
import { decide, type DecideContext } from './decide.js';
import { foldLog } from './fold.js';
import { DEFAULT_LIMITS } from './limits.js';

let seq = 0;
function ev(
  type: string,
  data: Record<string, unknown> = {},
  hidden: Record<string, unknown> | null = null,
  id?: string,
): StoredEvent {
  seq += 1;
  return { seq, id: id ?? `sevt_${seq}`, type, createdAt: '2026-11-25T00:00:00.000Z', processedAt: null, data, hidden };
}
const text = (t: string) => [{ type: 'text', text: t }];
const ctx: DecideContext = {
  limits: DEFAULT_LIMITS,
  clientRunsTools: false,
  budgetExhausted: false,
  contextWindow: 200_000,
};
const agent = {
  id: 'agent_1',
  type: 'agent' as const,
  version: 1,
  name: 'a',
  description: null,
  system: 'be brief',
  model: { id: 'claude-sonnet-4-5', effort: { type: 'high' as const }, speed: 'standard' as const },
  tools: [
    {
      type: 'agent_toolset_20260401' as const,
      default_config: { enabled: true, permission_policy: { type: 'always_allow' as const } },
      configs: [
        { name: 'bash', type: 'bash', enabled: true, permission_policy: { type: 'always_allow' } },
        { name: 'write', type: 'write', enabled: true, permission_policy: { type: 'always_ask' } },
      ],
    },
  ],
  mcp_servers: [],
  skills: [],
  multiagent: null,
  execution_identity: { type: 'service_account' as const },
} as never;
const specs = new Map([['bash', { name: 'bash', description: 'run', inputSchema: { type: 'object' } }]]);

describe('fold and decide', () => {
  it('starts a model request for a new message and builds the conversation from the log', () => {
    seq = 0;
    const events = [ev('user.message', { content: text('hi') })];
    const state = foldLog(events);
    expect(decide(state, ctx)).toEqual({ type: 'model_request' });
    const request = buildModelRequest(state, agent, specs, 1000, state.lastUserSeq);
    expect(request.messages).toEqual([{ role: 'user', content: text('hi') }]);
    expect(request.system).toBe('be brief');
    expect(request.tools.map((tool) => tool.name)).toEqual(['bash']);
  });

  it('pairs every tool call with its result in the replayed conversation, using event ids', () => {
    seq = 0;
    const events = [
      ev('user.message', { content: text('list files') }),
      ev('session.status_running', {}, { intake: 1 }),
      ev('span.model_request_start', {}, { intake: 1 }, 'sevt_start1'),
      ev('agent.message', { content: text('Listing.') }),
      ev(
        'agent.tool_use',
        { name: 'bash', input: { command: 'ls' }, evaluated_permission: 'allow' },
        null,
        'sevt_use1',
      ),
      ev(
        'span.model_request_end',
        { model_request_start_id: 'sevt_start1', is_error: false, model_usage: {} },
        { stop_reason: 'tool_use' },
      ),
    ];
    const state = foldLog(events);
    const action = decide(state, ctx);
    expect(action).toMatchObject({ type: 'run_tool', use: { eventId: 'sevt_use1', name: 'bash' } });
    const after = foldLog([
      ...events,
      ev('agent.tool_result', { tool_use_id: 'sevt_use1', content: text('a.txt'), is_error: false }),
    ]);
    expect(decide(after, ctx)).toEqual({ type: 'model_request' });
    const request = buildModelRequest(after, agent, specs, 1000, after.lastUserSeq);
    expect(request.messages).toEqual([
      { role: 'user', content: text('list files') },
      {
        role: 'assistant',
        content: [...text('Listing.'), { type: 'tool_use', id: 'sevt_use1', name: 'bash', input: { command: 'ls' } }],
      },
      {
        role: 'user',
        content: [{ type: 'tool_result', toolUseId: 'sevt_use1', content: text('a.txt'), isError: false }],
      },
    ]);
  });

  it('keeps input of a failed request pending so the retry sends the same request', () => {
    seq = 0;
    const events = [
      ev('user.message', { content: text('hi') }),
      ev('span.model_request_start', {}, { intake: 1 }, 'sevt_s'),
      ev('span.model_request_end', { model_request_start_id: 'sevt_s', is_error: true, model_usage: {} }),
    ];
    const state = foldLog(events);
    expect(decide(state, ctx)).toEqual({ type: 'model_request' });
    expect(buildModelRequest(state, agent, specs, 1000, 1).messages).toEqual([{ role: 'user', content: text('hi') }]);
  });

  it('closes a request a crash cut short before anything else', () => {
    seq = 0;
    const state = foldLog([
      ev('user.message', { content: text('hi') }),
      ev('span.model_request_start', {}, { intake: 1 }, 'sevt_s'),
    ]);
    expect(decide(state, ctx)).toEqual({ type: 'close_orphan_request', startId: 'sevt_s' });
  });

  it('takes a message sent mid-request into the next request, after the response', () => {
    seq = 0;
    const events = [
      ev('user.message', { content: text('first') }),
      ev('span.model_request_start', {}, { intake: 1 }, 'sevt_s'),
      ev('user.message', { content: text('also this') }),
      ev('agent.message', { content: text('answer') }),
      ev(
        'span.model_request_end',
        { model_request_start_id: 'sevt_s', is_error: false, model_usage: {} },
        { stop_reason: 'end_turn' },
      ),
    ];
    const state = foldLog(events);
    expect(decide(state, ctx)).toEqual({ type: 'model_request' });
    expect(buildModelRequest(state, agent, specs, 1000, state.lastUserSeq).messages).toEqual([
      { role: 'user', content: text('first') },
      { role: 'assistant', content: text('answer') },
      { role: 'user', content: text('also this') },
    ]);
  });

  it('asks before an always_ask tool and runs or denies it on confirmation', () => {
    seq = 0;
    const base = [
      ev('user.message', { content: text('write') }),
      ev('span.model_request_start', {}, { intake: 1 }, 'sevt_s'),
      ev(
        'agent.tool_use',
        { name: 'write', input: { file_path: 'a', content: 'b' }, evaluated_permission: 'ask' },
        null,
        'sevt_w',
      ),
      ev(
        'span.model_request_end',
        { model_request_start_id: 'sevt_s', is_error: false, model_usage: {} },
        { stop_reason: 'tool_use' },
      ),
    ];
    expect(decide(foldLog(base), ctx)).toEqual({
      type: 'idle',
      stopReason: { type: 'requires_action', event_ids: ['sevt_w'] },
    });
    const waiting = [
      ...base,
      ev('session.status_idle', { stop_reason: { type: 'requires_action', event_ids: ['sevt_w'] } }),
    ];
    expect(decide(foldLog(waiting), ctx)).toEqual({ type: 'wait' });
    const allowed = foldLog([...waiting, ev('user.tool_confirmation', { tool_use_id: 'sevt_w', result: 'allow' })]);
    expect(decide(allowed, ctx)).toMatchObject({ type: 'run_tool', use: { eventId: 'sevt_w' } });
    const denied = foldLog([
      ...waiting,
      ev('user.tool_confirmation', { tool_use_id: 'sevt_w', result: 'deny', deny_message: 'no' }),
    ]);
    expect(decide(denied, ctx)).toMatchObject({ type: 'answer_tool', text: 'no' });
  });

  it('handles an interrupt before anything else and then waits for a new message', () => {
    seq = 0;
    const events = [ev('user.message', { content: text('go') }), ev('user.interrupt')];
    const state = foldLog(events);
    expect(decide(state, ctx)).toMatchObject({ type: 'interrupt' });
    const after = foldLog([
      ...events,
      ev('session.status_idle', { stop_reason: { type: 'end_turn' } }, { intake: 2, interrupted: true }),
    ]);
    expect(decide(after, ctx)).toEqual({ type: 'wait' });
    const resumed = foldLog([
      ...events,
      ev('session.status_idle', { stop_reason: { type: 'end_turn' } }, { intake: 2, interrupted: true }),
      ev('user.message', { content: text('again') }),
    ]);
    expect(decide(resumed, ctx)).toEqual({ type: 'model_request' });
  });

  it('stops a loop of identical failing tool calls', () => {
    seq = 0;
    const events: StoredEvent[] = [ev('user.message', { content: text('go') })];
    for (let i = 0; i < DEFAULT_LIMITS.maxIdenticalFailingCalls; i++) {
      events.push(
        ev('span.model_request_start', {}, { intake: 1 }, `sevt_s${i}`),
        ev(
          'agent.tool_use',
          { name: 'bash', input: { command: 'false' }, evaluated_permission: 'allow' },
          null,
          `sevt_u${i}`,
        ),
        ev(
          'span.model_request_end',
          { model_request_start_id: `sevt_s${i}`, is_error: false, model_usage: {} },
          { stop_reason: 'tool_use' },
        ),
        ev('agent.tool_result', { tool_use_id: `sevt_u${i}`, content: text('exit 1'), is_error: true }),
      );
    }
    expect(decide(foldLog(events), ctx)).toMatchObject({
      type: 'idle',
      stopReason: { type: 'retries_exhausted' },
      error: { type: 'tool_use_limit_reached_error', retry_status: { type: 'exhausted' } },
    });
  });

  it('stops at the budget', () => {
    seq = 0;
    expect(decide(foldLog([ev('user.message', { content: text('hi') })]), { ...ctx, budgetExhausted: true })).toEqual({
      type: 'idle',
      stopReason: { type: 'budget_reached' },
    });
  });
});
