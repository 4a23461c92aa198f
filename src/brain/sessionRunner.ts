import type { BetaManagedAgentsSessionAgent } from '@anthropic-ai/sdk/resources/beta/sessions/sessions.js';
import { StaleEpochError } from '../core/errors.js';
import type { Lease } from '../core/leases.js';
import { MCP_NAME_SEPARATOR, type SessionHandsContext } from '../core/hands.js';
import { ModelError, type ModelEvent, type ToolSpec, type Usage } from '../core/modelProvider.js';
import type { NewEvent } from '../core/sessionLog.js';
import { newId } from '../protocol/ids.js';
import { buildModelRequest } from './buildRequest.js';
import { splitForSummary, summaryRequest } from './compaction.js';
import { decide, type Action, type SessionErrorObject } from './decide.js';
import type { BrainDeps } from './deps.js';
import { foldEvents } from './fold.js';
import { mcpToolSpecs } from './mcpTools.js';
import { retryDelay, sessionErrorFor } from './modelErrors.js';
import { ResponseAssembler } from './responseEvents.js';
import { initialBrainState, type BrainState } from './state.js';

interface SessionView {
  agent: BetaManagedAgentsSessionAgent;
  hands: SessionHandsContext;
  budgetMinor: number | null;
}

const ZERO_USAGE: Usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };

/**
 * Runs one session while this worker holds its lease: fold the log, decide, act, append, and
 * again, until there is nothing to do. Everything it learns comes from the log, so killing it
 * at any point loses nothing: the next run folds the same log and continues.
 */
export class SessionRunner {
  /** Aborts whatever the current step is waiting on (a model stream, a tool, a backoff). */
  private step = new AbortController();
  private stopped = false;
  private readonly reportedMcpServers = new Set<string>();
  /** What the runner is doing and since when, for the health check's stall detector. */
  current: { step: string; since: number } | null = null;

  /**
   * `state` may be the fold a previous run of this session left behind: it is a fold of a
   * prefix of the log, and `catchUp` folds whatever came after, so a long session is never
   * re-read from the start.
   */
  constructor(
    private readonly deps: BrainDeps,
    readonly sessionId: string,
    private readonly lease: Lease,
    readonly state: BrainState = initialBrainState(),
  ) {}

  /** Abort the current step: an interrupt, archive or deletion arrived, or the lease was lost. */
  abortStep(reason: string): void {
    this.step.abort(new Error(reason));
  }

  stop(reason: string): void {
    this.stopped = true;
    this.abortStep(reason);
  }

  /** Runs until the session waits for input. Resolves false if the lease was lost. */
  async run(): Promise<boolean> {
    try {
      for (;;) {
        if (this.stopped) return false;
        await this.catchUp();
        const view = await this.view();
        if (!view) return true;
        const action = decide(this.state, {
          limits: this.deps.limits,
          clientRunsTools: view.hands.environmentConfig['type'] === 'self_hosted',
          budgetExhausted: await this.budgetExhausted(view),
          contextWindow: this.deps.models.profile(view.agent.model.id).contextWindow,
        });
        if (action.type === 'stop' || action.type === 'wait') return true;
        this.step = new AbortController();
        this.current = { step: action.type, since: Date.now() };
        await this.perform(action, view);
        this.current = null;
      }
    } catch (error) {
      if (error instanceof StaleEpochError) return false;
      throw error;
    }
  }

  private async catchUp(): Promise<void> {
    const events = await this.deps.log.read(this.sessionId, { afterSeq: this.state.lastSeq });
    foldEvents(this.state, events);
  }

  private async view(): Promise<SessionView | null> {
    const record = await this.deps.resources.get<{
      agent: BetaManagedAgentsSessionAgent;
      environment_id: string;
      budget: { max_list_cost: { amount: string } } | null;
    }>('session', this.sessionId);
    if (!record || record.archivedAt) return null;
    const environment = await this.deps.resources.get<{ config: Record<string, unknown> }>(
      'environment',
      record.body.environment_id,
    );
    const environmentConfig = environment?.body.config ?? { type: 'cloud' };
    return {
      agent: record.body.agent,
      hands: {
        sessionId: this.sessionId,
        environmentId: record.body.environment_id,
        environmentConfig,
        mcpServers: record.body.agent.mcp_servers.map(({ name, url }) => ({ name, url })),
        // The tools' own configs (web_fetch domain rules, limits) apply inside the hands.
        agentTools: record.body.agent.tools,
      },
      budgetMinor: record.body.budget ? Number(record.body.budget.max_list_cost.amount) : null,
    };
  }

  private async budgetExhausted(view: SessionView): Promise<boolean> {
    if (view.budgetMinor === null) return false;
    const summary = await this.deps.log.sessionSummary(this.sessionId);
    if (!summary) return false;
    return !summary.costKnown || summary.costMicroUsd >= view.budgetMinor * 10_000;
  }

  private append(events: NewEvent[], intake?: number) {
    return this.deps.log.append(this.sessionId, events, {
      epoch: this.lease.epoch,
      durability: 'relaxed',
      ...(intake !== undefined ? { intakeThroughSeq: intake } : {}),
    });
  }

  /** `session.status_running` opens any work done from another status. */
  private running(): NewEvent[] {
    return this.state.status === 'running' ? [] : [{ type: 'session.status_running', data: {} }];
  }

  private async perform(action: Exclude<Action, { type: 'stop' | 'wait' }>, view: SessionView): Promise<void> {
    const intake = this.state.lastUserSeq;
    switch (action.type) {
      case 'close_orphan_request':
        await this.append([
          requestEnd(action.startId, true, ZERO_USAGE, { interrupted: 'worker stopped mid-request' }),
        ]);
        return;
      case 'interrupt': {
        const results = action.open
          .filter((use) => use.kind !== 'custom')
          .map((use) => toolResultEvent(use.kind, use.eventId, 'The user interrupted this tool call.', true));
        await this.append([...results, idle({ type: 'end_turn' }, intake, { interrupted: true })], intake);
        return;
      }
      case 'answer_tool':
        await this.append(
          [...this.running(), toolResultEvent(action.use.kind, action.use.eventId, action.text, true)],
          intake,
        );
        return;
      case 'run_tool':
        await this.runTool(action.use, view, intake);
        return;
      case 'idle': {
        const events: NewEvent[] = [];
        if (action.error) events.push(sessionError(action.error));
        events.push(idle(action.stopReason, intake));
        await this.append(events, intake);
        return;
      }
      case 'model_request':
        await this.modelRequest(view, intake);
        return;
      case 'compact':
        await this.compact(action.mode, view, intake);
        return;
    }
  }

  private async runTool(use: BrainState['openToolUses'][number], view: SessionView, intake: number): Promise<void> {
    if (this.state.status !== 'running') await this.append(this.running(), intake);
    const name = use.kind === 'mcp' ? `${use.mcpServerName}${MCP_NAME_SEPARATOR}${use.name}` : use.name;
    const result = await this.deps.hands.execute(view.hands, use.eventId, name, use.input, this.step.signal);
    const event = toolResultEvent(use.kind, use.eventId, '', result.isError);
    event.data = { ...event.data, content: result.content };
    const failure = result.mcpFailure;
    // The model reads the failure in the tool result; the client sees it as a session error. The session goes on.
    const errors = failure
      ? [
          sessionError({
            type: failure.type,
            message: failure.message,
            retry_status: { type: 'retrying' },
            mcp_server_name: failure.server,
          }),
        ]
      : [];
    await this.append([event, ...errors], intake);
  }

  private async modelRequest(view: SessionView, intake: number): Promise<void> {
    const { models, limits } = this.deps;
    const profile = models.profile(view.agent.model.id);
    let attempt = this.state.consecutiveModelErrors;
    const mcpTools = await this.mcpTools(view);
    for (;;) {
      const startId = newId('event');
      const request = {
        ...buildModelRequest(
          this.state,
          view.agent,
          this.deps.builtinToolSpecs,
          profile.maxOutputTokens,
          intake,
          mcpTools,
        ),
        // One cache per session on providers that key prompt caches.
        cacheKey: this.sessionId,
      };
      // The request goes on the wire while its span start is being committed: the model's
      // time to first token hides the commit. Nothing the model sends is read (or previewed)
      // before the start is in the log. A crash in between leaves no trace of a request whose
      // answer nobody saw, so the next run sends it again, as after any crash mid-request.
      const started = this.append(
        [...this.running(), { id: startId, type: 'span.model_request_start', data: {}, hidden: { intake } }],
        intake,
      );
      const events = models.stream(request, { signal: this.step.signal, idleTimeoutMs: limits.modelIdleTimeoutMs });
      const stream = events[Symbol.asyncIterator]();
      const first = stream.next();
      first.catch(() => undefined);
      try {
        await started;
        await this.catchUp();
      } catch (error) {
        // The start is not in the log (or the log cannot be read): nobody will read this answer.
        this.abortStep('the span start was not recorded');
        void stream.return?.(undefined)?.catch(() => undefined);
        throw error;
      }
      const assembler = new ResponseAssembler(view.agent, startId, (event) =>
        this.deps.previews.publish(this.sessionId, event),
      );
      try {
        let stop: Extract<ModelEvent, { type: 'response_stop' }> | undefined;
        for (let next = await first; !next.done; next = await stream.next()) {
          const event = next.value;
          if (event.type === 'response_stop') stop = event;
          else assembler.onEvent(event);
        }
        if (!stop) throw new ModelError('network', 'The model stream ended without a stop reason.');
        const cost = listCostMicroUsd(profile.pricing, stop.usage);
        const end = requestEnd(startId, false, stop.usage, {
          stop_reason: stop.stopReason,
          ...(cost === null ? { cost_unknown: true } : { cost_micro_usd: cost }),
        });
        const events = assembler.finish();
        await this.append([...events, end, ...(stop.stopReason === 'refusal' ? [refusalIdle(intake)] : [])], intake);
        return;
      } catch (error) {
        if (error instanceof StaleEpochError) throw error;
        const modelError = error instanceof ModelError ? error : new ModelError('network', String(error));
        if (this.step.signal.aborted || modelError.kind === 'aborted') {
          await this.append([requestEnd(startId, true, ZERO_USAGE, { aborted: true })]);
          return;
        }
        if (modelError.kind === 'context_overflow') {
          await this.append([requestEnd(startId, true, ZERO_USAGE, { error_kind: 'context_overflow' })]);
          return;
        }
        attempt += 1;
        const delay = retryDelay(modelError, attempt, limits);
        const sessionErr = sessionErrorFor(modelError, delay === null ? 'exhausted' : 'retrying');
        this.deps.logger.warn(
          { sessionId: this.sessionId, kind: modelError.kind, attempt, err: modelError.message },
          'model request failed',
        );
        if (delay === null) {
          await this.append(
            [
              requestEnd(startId, true, ZERO_USAGE, { error_kind: modelError.kind }),
              sessionError(sessionErr),
              idle({ type: 'retries_exhausted' }, intake),
            ],
            intake,
          );
          return;
        }
        await this.append([
          requestEnd(startId, true, ZERO_USAGE, { error_kind: modelError.kind }),
          sessionError(sessionErr),
          { type: 'session.status_rescheduled', data: {} },
        ]);
        await this.catchUp();
        if (!(await this.sleep(delay))) return;
      } finally {
        void stream.return?.(undefined)?.catch(() => undefined);
      }
    }
  }

  /**
   * Records a compaction. Clearing old tool results needs no model; a summary is one side
   * request whose span and usage are logged like any other, then the summary replaces the
   * older turns for every later request (and for every replay of the log).
   */
  private async compact(mode: 'clear_tool_results' | 'summarize', view: SessionView, intake: number): Promise<void> {
    const keepRecent = this.deps.limits.keepRecentToolResults;
    if (mode === 'clear_tool_results') {
      await this.append([...this.running(), compacted({ mode, keep_recent: keepRecent })], intake);
      return;
    }
    const split = splitForSummary(this.state.turns);
    if (!split) {
      await this.append([...this.running(), compacted({ mode: 'clear_tool_results', keep_recent: 0 })], intake);
      return;
    }
    const profile = this.deps.models.profile(view.agent.model.id);
    const startId = newId('event');
    await this.append([
      ...this.running(),
      { id: startId, type: 'span.model_request_start', data: {}, hidden: { purpose: 'compaction' } },
    ]);
    const base = buildModelRequest(
      this.state,
      view.agent,
      this.deps.builtinToolSpecs,
      profile.maxOutputTokens,
      intake,
      await this.mcpTools(view),
    );
    let summary = '';
    let usage = ZERO_USAGE;
    try {
      for await (const event of this.deps.models.stream(summaryRequest(base, split.older), {
        signal: this.step.signal,
        idleTimeoutMs: this.deps.limits.modelIdleTimeoutMs,
      })) {
        if (event.type === 'block_stop' && event.block.type === 'text') summary += event.block.text;
        if (event.type === 'response_stop') usage = event.usage;
      }
    } catch (error) {
      if (error instanceof StaleEpochError) throw error;
      // A failed summary still counts as a compaction attempt, so the breaker can stop a loop.
      await this.append([
        requestEnd(startId, true, ZERO_USAGE, { error_kind: 'compaction_failed' }),
        compacted({ mode: 'clear_tool_results', keep_recent: 0 }),
      ]);
      return;
    }
    const cost = listCostMicroUsd(profile.pricing, usage);
    await this.append([
      requestEnd(startId, false, usage, cost === null ? { cost_unknown: true } : { cost_micro_usd: cost }),
      compacted({ mode, summary: summary.trim(), kept_turns: split.keptTurns }),
    ]);
  }

  /**
   * The agent's MCP tools. Agents without MCP servers never wait here; for the others the
   * listing is connected lazily by the hands and cached, and a server that cannot be reached is
   * reported once as a session error while the session goes on without its tools.
   */
  private async mcpTools(view: SessionView): Promise<ToolSpec[]> {
    if (view.agent.mcp_servers.length === 0 || !this.deps.hands.mcpTools) return [];
    const listings = await this.deps.hands.mcpTools(view.hands, this.step.signal);
    const errors: NewEvent[] = [];
    for (const listing of listings) {
      if (!listing.error || this.reportedMcpServers.has(listing.server)) continue;
      this.reportedMcpServers.add(listing.server);
      errors.push(
        sessionError({ ...listing.error, retry_status: { type: 'retrying' }, mcp_server_name: listing.server }),
      );
    }
    if (errors.length > 0) await this.append(errors);
    return mcpToolSpecs(view.agent, listings);
  }

  private async sleep(ms: number): Promise<boolean> {
    const sleep = this.deps.sleep ?? abortableSleep;
    try {
      await sleep(ms, this.step.signal);
      return true;
    } catch {
      return false;
    }
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('aborted'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function compacted(hidden: Record<string, unknown>): NewEvent {
  return { type: 'agent.thread_context_compacted', data: {}, hidden };
}

function requestEnd(startId: string, isError: boolean, usage: Usage, hidden: Record<string, unknown>): NewEvent {
  return {
    type: 'span.model_request_end',
    data: {
      model_request_start_id: startId,
      is_error: isError,
      model_usage: {
        input_tokens: usage.inputTokens,
        output_tokens: usage.outputTokens,
        cache_read_input_tokens: usage.cacheReadTokens,
        cache_creation_input_tokens: usage.cacheWriteTokens,
      },
    },
    hidden,
  };
}

function idle(
  stopReason: { type: string; event_ids?: string[] },
  intake: number,
  extra: Record<string, unknown> = {},
): NewEvent {
  return {
    type: 'session.status_idle',
    data: { stop_reason: stopReason, stop_details: null },
    hidden: { intake, ...extra },
  };
}

function refusalIdle(intake: number): NewEvent {
  return {
    type: 'session.status_idle',
    data: { stop_reason: { type: 'refusal' }, stop_details: { type: 'refusal', category: null, explanation: null } },
    hidden: { intake },
  };
}

function sessionError(error: SessionErrorObject & Record<string, unknown>): NewEvent {
  return { type: 'session.error', data: { error } };
}

function toolResultEvent(kind: 'builtin' | 'custom' | 'mcp', useId: string, text: string, isError: boolean): NewEvent {
  const content = text ? [{ type: 'text', text }] : [];
  if (kind === 'mcp')
    return { type: 'agent.mcp_tool_result', data: { mcp_tool_use_id: useId, content, is_error: isError } };
  return { type: 'agent.tool_result', data: { tool_use_id: useId, content, is_error: isError } };
}

/** List cost in millionths of a dollar; prices are cents per million tokens. Null without a price. */
export function listCostMicroUsd(
  pricing: { input: number; output: number; cacheRead: number; cacheWrite: number } | undefined,
  usage: Usage,
): number | null {
  if (!pricing) return null;
  const centsTimesMillion =
    usage.inputTokens * pricing.input +
    usage.outputTokens * pricing.output +
    usage.cacheReadTokens * pricing.cacheRead +
    usage.cacheWriteTokens * pricing.cacheWrite;
  return centsTimesMillion / 100;
}
