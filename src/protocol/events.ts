import { z } from 'zod';
import type {
  BetaManagedAgentsSessionEvent,
  BetaManagedAgentsSessionEventType,
  BetaManagedAgentsStreamSessionEvents,
} from '@anthropic-ai/sdk/resources/beta/sessions/events.js';
import type {
  BetaManagedAgentsDeltaType,
  BetaManagedAgentsSessionAgent,
} from '@anthropic-ai/sdk/resources/beta/sessions/sessions.js';

/** The SDK's stored-event union: what `events.list` returns and the stream carries. */
export type SessionEvent = BetaManagedAgentsSessionEvent;
/** The stream union: `SessionEvent` plus the `event_start` / `event_delta` previews. */
export type StreamEvent = BetaManagedAgentsStreamSessionEvents;

// ---------------------------------------------------------------------------------------------
// Type names. Literal copies of the SDK unions, pinned in events.test.ts.

/** Everything a client may send to `POST /v1/sessions/{id}/events` (`BetaManagedAgentsEventParams`). */
export const USER_EVENT_TYPES = [
  'user.message',
  'user.interrupt',
  'user.tool_confirmation',
  'user.custom_tool_result',
  'user.define_outcome',
  'user.tool_result',
  'system.message',
] as const;

/** Every stored event type the server originates. Includes `session.deleted`, unlike the filter enum. */
export const SERVER_EVENT_TYPES = [
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
  'session.deleted',
  'session.thread_status_running',
  'session.thread_status_idle',
  'session.thread_status_terminated',
  'session.thread_status_rescheduled',
  'session.updated',
  'session.usage',
  'workflow_run.created',
  'workflow_run.status_ended',
  'workflow_run.phase_started',
  'workflow_run.phase_ended',
  'workflow_run.status_running',
  'workflow_run.status_idle',
  'workflow_run.error',
] as const;

/** `BetaManagedAgentsSessionEventType`, in SDK order: the `types[]` filter values. Lacks `session.deleted`. */
export const ALL_EVENT_TYPES = [
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
] as const satisfies readonly BetaManagedAgentsSessionEventType[];

/** Event types a stream connection may preview via `event_deltas[]`. */
export const DELTA_TYPES = ['agent.message', 'agent.thinking'] as const satisfies readonly BetaManagedAgentsDeltaType[];

/** Stream-only types: sent to opted-in connections, never stored. */
export const PREVIEW_EVENT_TYPES = ['event_start', 'event_delta'] as const;

export type UserEventType = (typeof USER_EVENT_TYPES)[number];
export type ServerEventType = (typeof SERVER_EVENT_TYPES)[number];

// ---------------------------------------------------------------------------------------------
// Content blocks. The SDK uses one type for each block in requests and in stored events.

export const textBlockSchema = z.strictObject({ type: z.literal('text'), text: z.string() });
const redactedBlockSchema = z.strictObject({ type: z.literal('redacted') });
const urlSourceSchema = z.strictObject({ type: z.literal('url'), url: z.string() });
const fileSourceSchema = z.strictObject({ type: z.literal('file'), file_id: z.string() });
const base64SourceSchema = z.strictObject({ type: z.literal('base64'), data: z.string(), media_type: z.string() });
const plainTextSourceSchema = z.strictObject({
  type: z.literal('text'),
  data: z.string(),
  media_type: z.literal('text/plain'),
});

const imageBlockSchema = z.strictObject({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [base64SourceSchema, urlSourceSchema, fileSourceSchema]),
});

const documentBlockSchema = z.strictObject({
  type: z.literal('document'),
  source: z.discriminatedUnion('type', [base64SourceSchema, plainTextSourceSchema, urlSourceSchema, fileSourceSchema]),
  context: z.string().nullish(),
  title: z.string().nullish(),
});

const searchResultBlockSchema = z.strictObject({
  type: z.literal('search_result'),
  citations: z.strictObject({ enabled: z.boolean() }),
  content: z.array(textBlockSchema),
  source: z.string(),
  title: z.string(),
});

const messageContentSchema = z.array(
  z.discriminatedUnion('type', [textBlockSchema, imageBlockSchema, documentBlockSchema, redactedBlockSchema]),
);

const toolResultContentSchema = z.array(
  z.discriminatedUnion('type', [textBlockSchema, imageBlockSchema, documentBlockSchema, searchResultBlockSchema]),
);

// ---------------------------------------------------------------------------------------------
// Sendable events (`BetaManagedAgentsEventParams`).

export const userMessageParamsSchema = z.strictObject({
  type: z.literal('user.message'),
  content: messageContentSchema,
});

const userInterruptParamsSchema = z.strictObject({
  type: z.literal('user.interrupt'),
  session_thread_id: z.string().nullish(),
});

const userToolConfirmationParamsSchema = z
  .strictObject({
    type: z.literal('user.tool_confirmation'),
    tool_use_id: z.string(),
    result: z.enum(['allow', 'deny']),
    deny_message: z.string().nullish(),
  })
  .superRefine((event, ctx) => {
    // "Only allowed when result is 'deny'." A null message says nothing, so it passes.
    if (event.result === 'allow' && event.deny_message != null) {
      const message = "deny_message is only allowed when result is 'deny'.";
      ctx.addIssue({ code: 'custom', path: ['deny_message'], message });
    }
  });

const userCustomToolResultParamsSchema = z.strictObject({
  type: z.literal('user.custom_tool_result'),
  custom_tool_use_id: z.string(),
  content: toolResultContentSchema.optional(),
  is_error: z.boolean().nullish(),
});

const userToolResultParamsSchema = z.strictObject({
  type: z.literal('user.tool_result'),
  tool_use_id: z.string(),
  content: toolResultContentSchema.optional(),
  is_error: z.boolean().nullish(),
});

/** `BetaManagedAgentsUserDefineOutcomeEventParams.max_iterations`: "Default 3, max 20." */
export const DEFAULT_MAX_ITERATIONS = 3;
export const MAX_ITERATIONS_LIMIT = 20;
/** `BetaManagedAgentsTextRubricParams.content`: "Maximum 262144 characters." */
export const TEXT_RUBRIC_MAX_CHARS = 262_144;

export const userDefineOutcomeParamsSchema = z.strictObject({
  type: z.literal('user.define_outcome'),
  description: z.string(),
  rubric: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('text'), content: z.string().max(TEXT_RUBRIC_MAX_CHARS) }),
    z.strictObject({ type: z.literal('file'), file_id: z.string() }),
  ]),
  // The echo stores the effective count, so the default is filled in here.
  max_iterations: z
    .number()
    .int()
    .min(1)
    .max(MAX_ITERATIONS_LIMIT)
    .nullish()
    .transform((n) => n ?? DEFAULT_MAX_ITERATIONS),
});

const systemMessageParamsSchema = z.strictObject({
  type: z.literal('system.message'),
  content: z.array(textBlockSchema),
});

export const userEventSchema = z.discriminatedUnion('type', [
  userMessageParamsSchema,
  userInterruptParamsSchema,
  userToolConfirmationParamsSchema,
  userCustomToolResultParamsSchema,
  userDefineOutcomeParamsSchema,
  userToolResultParamsSchema,
  systemMessageParamsSchema,
]);

export type UserEventParams = z.output<typeof userEventSchema>;

/** The events a `system.message` may accompany. */
const SYSTEM_MESSAGE_ANCHORS: ReadonlySet<string> = new Set([
  'user.message',
  'user.tool_result',
  'user.custom_tool_result',
]);

// BetaManagedAgentsSystemMessageEventParams: "At most one per request: it must be the final event
// and immediately follow the `user.message`, `user.tool_result`, or `user.custom_tool_result` it
// accompanies."
function systemMessageIssue(events: readonly { type: string }[], index: number): string | undefined {
  if (index !== events.length - 1) return 'system.message must be the last event in the request.';
  const previous = events[index - 1];
  if (previous === undefined || !SYSTEM_MESSAGE_ANCHORS.has(previous.type)) {
    return (
      'system.message must immediately follow the user.message, user.tool_result or ' +
      'user.custom_tool_result it accompanies.'
    );
  }
  return undefined;
}

function checkSystemMessages(body: { events: readonly { type: string }[] }, ctx: z.RefinementCtx): void {
  const positions = body.events.flatMap((event, i) => (event.type === 'system.message' ? [i] : []));
  if (positions.length > 1) {
    ctx.addIssue({ code: 'custom', path: ['events'], message: 'At most one system.message is allowed per request.' });
    return;
  }
  const index = positions[0];
  if (index === undefined) return;
  const message = systemMessageIssue(body.events, index);
  if (message) ctx.addIssue({ code: 'custom', path: ['events', index], message });
}

// EventSendParams states no count limit, so none is enforced.
export const eventSendBodySchema = z
  .strictObject({ events: z.array(userEventSchema) })
  .superRefine(checkSystemMessages);

export type EventSendBody = z.output<typeof eventSendBodySchema>;

// ---------------------------------------------------------------------------------------------
// Shared value objects. The budget lives here (not in session.ts) because session.updated and
// session.usage carry it and session.ts already imports this file.

/** `BetaMonetaryAmount.amount`: "an integer decimal string with no leading zeros". */
export const monetaryAmountSchema = z.strictObject({
  amount: z.string().regex(/^(0|[1-9][0-9]*)$/, 'amount must be an integer decimal string with no leading zeros'),
  // `BetaCurrency`: "USD is the only currency currently supported; the accepted set is closed".
  currency: z.literal('USD'),
});

export const budgetLimitSchema = z.strictObject({
  type: z.literal('limit'),
  max_list_cost: monetaryAmountSchema,
});

const tokenCount = z.number().int().nonnegative();
const timestamp = z.iso.datetime({ offset: true });

const usageSnapshotSchema = z.strictObject({
  active_seconds: z.number().nonnegative().optional(),
  cache_creation: z
    .strictObject({
      ephemeral_1h_input_tokens: tokenCount.optional(),
      ephemeral_5m_input_tokens: tokenCount.optional(),
    })
    .optional(),
  cache_read_input_tokens: tokenCount.optional(),
  input_tokens: tokenCount.optional(),
  list_cost: monetaryAmountSchema.optional(),
  output_tokens: tokenCount.optional(),
  server_tool_use: z
    .strictObject({ web_fetch_requests: tokenCount.optional(), web_search_requests: tokenCount.optional() })
    .optional(),
});

const modelUsageSchema = z.strictObject({
  cache_creation_input_tokens: tokenCount,
  cache_read_input_tokens: tokenCount,
  input_tokens: tokenCount,
  output_tokens: tokenCount,
  speed: z.enum(['standard', 'fast']).nullish(),
});

const retryStatusSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('retrying') }),
  z.strictObject({ type: z.literal('exhausted') }),
  z.strictObject({ type: z.literal('terminal') }),
]);

const evaluatedPermissionSchema = z.enum(['allow', 'ask', 'deny']);

const toolEvaluationSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('always_allow') }),
  z.strictObject({ type: z.literal('always_ask') }),
  z.strictObject({
    type: z.literal('auto'),
    evaluated_permission: z.discriminatedUnion('type', [
      z.strictObject({ type: z.literal('allow') }),
      z.strictObject({ type: z.literal('ask'), reason_code: z.string() }),
      z.strictObject({ type: z.literal('deny'), reason_code: z.string() }),
    ]),
  }),
]);

// ---------------------------------------------------------------------------------------------
// Server events Bosun emits. Every stored server event carries `id` and `processed_at`.

function serverEvent<T extends ServerEventType, S extends z.ZodRawShape>(type: T, shape: S) {
  return z.strictObject({ id: z.string(), processed_at: timestamp, type: z.literal(type), ...shape });
}

function sessionErrorObject<T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  return z.strictObject({ type: z.literal(type), message: z.string(), retry_status: retryStatusSchema, ...shape });
}

const repositoryUrl = { repository_url: z.string().nullable() };
const mcpServerName = { mcp_server_name: z.string() };

export const sessionErrorObjectSchema = z.discriminatedUnion('type', [
  sessionErrorObject('unknown_error', {}),
  sessionErrorObject('model_overloaded_error', {}),
  sessionErrorObject('model_rate_limited_error', {}),
  sessionErrorObject('model_request_failed_error', {}),
  sessionErrorObject('mcp_connection_failed_error', mcpServerName),
  sessionErrorObject('mcp_authentication_failed_error', mcpServerName),
  sessionErrorObject('billing_error', {}),
  sessionErrorObject('credential_host_unreachable_error', { credential_id: z.string(), vault_id: z.string() }),
  sessionErrorObject('tool_use_limit_reached_error', {}),
  sessionErrorObject('compaction_limit_reached_error', {}),
  sessionErrorObject('repository_authentication_error', repositoryUrl),
  sessionErrorObject('repository_forbidden_error', repositoryUrl),
  sessionErrorObject('repository_not_found_error', repositoryUrl),
  sessionErrorObject('repository_checkout_error', repositoryUrl),
  sessionErrorObject('repository_clone_error', repositoryUrl),
]);

export const stopReasonSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('end_turn') }),
  z.strictObject({ type: z.literal('requires_action'), event_ids: z.array(z.string()) }),
  z.strictObject({ type: z.literal('retries_exhausted') }),
  z.strictObject({ type: z.literal('budget_reached') }),
  z.strictObject({ type: z.literal('refusal') }),
]);

const refusalStopDetailsSchema = z.strictObject({
  type: z.literal('refusal'),
  category: z.enum(['cyber', 'bio', 'frontier_llm', 'reasoning_extraction', 'general_harms']).nullable(),
  explanation: z.string().nullable(),
});

const toolInput = z.record(z.string(), z.unknown());
const crossPostThread = { session_thread_id: z.string().nullish() };
const permission = {
  evaluated_permission: evaluatedPermissionSchema.optional(),
  evaluation: toolEvaluationSchema.optional(),
};
const toolResult = { content: toolResultContentSchema.optional(), is_error: z.boolean().nullish() };

// The snapshot's nested tools, servers and skills are validated by agent.ts schemas.
const sessionAgentSnapshot = z.custom<BetaManagedAgentsSessionAgent>(
  (value) => typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'agent',
);

export const serverEventSchema = z.discriminatedUnion('type', [
  serverEvent('session.status_running', {}),
  serverEvent('session.status_idle', {
    stop_reason: stopReasonSchema,
    stop_details: refusalStopDetailsSchema.nullable(),
  }),
  serverEvent('session.status_rescheduled', {}),
  serverEvent('session.status_terminated', {}),
  serverEvent('session.error', { error: sessionErrorObjectSchema }),
  serverEvent('session.updated', {
    agent: sessionAgentSnapshot.nullish(),
    budget: budgetLimitSchema.nullish(),
    metadata: z.record(z.string(), z.string()).optional(),
    title: z.string().nullish(),
  }),
  serverEvent('session.usage', { usage: usageSnapshotSchema, budget: budgetLimitSchema.nullish() }),
  serverEvent('session.deleted', {}),
  serverEvent('span.model_request_start', {}),
  serverEvent('span.model_request_end', {
    model_request_start_id: z.string(),
    is_error: z.boolean().nullable(),
    model_usage: modelUsageSchema,
  }),
  serverEvent('agent.message', {
    content: z.array(z.discriminatedUnion('type', [textBlockSchema, redactedBlockSchema])),
  }),
  serverEvent('agent.thinking', {}),
  serverEvent('agent.tool_use', { name: z.string(), input: toolInput, ...permission, ...crossPostThread }),
  serverEvent('agent.tool_result', { tool_use_id: z.string(), ...toolResult }),
  serverEvent('agent.custom_tool_use', { name: z.string(), input: toolInput, ...crossPostThread }),
  serverEvent('agent.mcp_tool_use', {
    mcp_server_name: z.string(),
    name: z.string(),
    input: toolInput,
    ...permission,
    ...crossPostThread,
  }),
  serverEvent('agent.mcp_tool_result', { mcp_tool_use_id: z.string(), ...toolResult }),
  serverEvent('agent.thread_context_compacted', {}),
]);

export type ServerEvent = z.output<typeof serverEventSchema>;

export const eventStartSchema = z.strictObject({
  type: z.literal('event_start'),
  event: z.strictObject({ id: z.string(), type: z.enum(DELTA_TYPES) }),
});

export const eventDeltaSchema = z.strictObject({
  type: z.literal('event_delta'),
  event_id: z.string(),
  delta: z.strictObject({
    type: z.literal('content_delta'),
    content: textBlockSchema,
    index: z.number().int().nonnegative().optional(),
  }),
});

export const previewEventSchema = z.discriminatedUnion('type', [eventStartSchema, eventDeltaSchema]);
export type PreviewEvent = z.output<typeof previewEventSchema>;
