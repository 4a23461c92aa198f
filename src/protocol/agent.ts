import { z } from 'zod';
import type {
  AgentCreateParams,
  AgentUpdateParams,
  BetaManagedAgentsAgent,
  BetaManagedAgentsAgentReference,
  BetaManagedAgentsModelConfig,
  BetaManagedAgentsMultiagent20261001,
  BetaManagedAgentsMultiagentSubagents,
} from '@anthropic-ai/sdk/resources/beta/agents/agents.js';
import type { BetaManagedAgentsMultiagent } from '@anthropic-ai/sdk/resources/beta/sessions/sessions.js';
import {
  customIssue as custom,
  duplicateIndexes,
  mcpReferenceIssues,
  resolveTool,
  stringOr,
  toolsSchema,
} from './agentTools.js';

/** The stored, versioned part of an agent: the response minus what the server stamps on it. */
export type AgentBody = Omit<
  BetaManagedAgentsAgent,
  'id' | 'type' | 'version' | 'created_at' | 'updated_at' | 'archived_at'
>;

const EFFORT_LEVELS = ['low', 'medium', 'high', 'xhigh', 'max'] as const;
export type EffortLevel = (typeof EFFORT_LEVELS)[number];
/** The SDK says only "the per-model default"; `high` is the Messages API's default effort. */
export const DEFAULT_EFFORT: EffortLevel = 'high';

const effortLevel = z.enum(EFFORT_LEVELS);
const modelSchema = stringOr(
  z.string(),
  z.strictObject({
    id: z.string(),
    effort: stringOr(effortLevel, z.strictObject({ type: effortLevel })).nullish(),
    inference_geo: z.string().nullish(),
    speed: z.enum(['standard', 'fast']).nullish(),
  }),
);
type ModelParams = z.output<typeof modelSchema>;

const executionIdentitySchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('aws_role'), role_arn: z.string().max(2048) }),
  z.strictObject({ type: z.literal('service_account') }),
]);

const mcpServersSchema = z
  .array(
    z.strictObject({ type: z.literal('url'), name: z.string().min(1).max(255), url: z.url({ protocol: /^https?$/ }) }),
  )
  .max(20)
  .superRefine((servers, ctx) => {
    duplicateIndexes(servers.map((s) => s.name)).forEach((i) =>
      ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'MCP server names must be unique' }),
    );
  });

const skillVersion = z.string().nullish();
const skillSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('anthropic'), skill_id: z.string(), version: skillVersion }),
  z.strictObject({ type: z.literal('custom'), skill_id: z.string(), version: skillVersion }),
]);
type SkillParams = z.output<typeof skillSchema>;

const METADATA_MAX_PAIRS = 16;
const metadataKey = z.string().max(64);
const metadataValue = z.string().max(512);
const pairLimitMessage = `metadata may hold at most ${METADATA_MAX_PAIRS} pairs`;
function withinPairLimit(metadata: Record<string, unknown>): boolean {
  return Object.keys(metadata).length <= METADATA_MAX_PAIRS;
}

const agentRefSchema = z.strictObject({
  type: z.literal('agent'),
  id: z.string(),
  version: z.number().int().min(1).optional(),
});
const selfSchema = z.strictObject({ type: z.literal('self') });
const predefinedAgentSchema = stringOr(z.string(), z.discriminatedUnion('type', [agentRefSchema, selfSchema]));
type AgentEntryParams = z.output<typeof predefinedAgentSchema>;
const rosterEntrySchema = stringOr(
  z.string(),
  z.discriminatedUnion('type', [
    agentRefSchema,
    selfSchema,
    z.strictObject({ type: z.literal('advisor'), model: z.string() }),
  ]),
);

const toggle = z.strictObject({ type: z.enum(['enabled', 'disabled']) });
const spawningSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('enabled'),
    inline_agents: toggle.nullish(),
    predefined_agents: z.array(predefinedAgentSchema).max(20).nullish(),
  }),
  z.strictObject({ type: z.literal('disabled') }),
]);
type SpawningParams = z.output<typeof spawningSchema>;

const multiagentSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('coordinator'), agents: z.array(rosterEntrySchema).min(1).max(20) }),
  z.strictObject({
    type: z.literal('multiagent_20261001'),
    advisor: z
      .discriminatedUnion('type', [
        z.strictObject({ type: z.literal('enabled'), model: z.string() }),
        z.strictObject({ type: z.literal('disabled') }),
      ])
      .nullish(),
    subagents: spawningSchema.nullish(),
    workflows: spawningSchema.nullish(),
  }),
]);
type MultiagentParams = z.output<typeof multiagentSchema>;

export const agentCreateSchema = z
  .strictObject({
    model: modelSchema,
    name: z.string().min(1),
    description: z.string().nullish(),
    execution_identity: executionIdentitySchema.nullish(),
    mcp_servers: mcpServersSchema.optional(),
    metadata: z.record(metadataKey, metadataValue).refine(withinPairLimit, pairLimitMessage).optional(),
    multiagent: multiagentSchema.nullish(),
    skills: z.array(skillSchema).optional(),
    system: z.string().nullish(),
    tools: toolsSchema.optional(),
  })
  .superRefine((body, ctx) =>
    mcpReferenceIssues(body).forEach(({ path, message }) => ctx.addIssue({ code: 'custom', path, message })),
  );

/** Cross-field rules that need the whole resulting agent (the pair limit and MCP references) run in `applyAgentUpdate`. */
export const agentUpdateSchema = z.strictObject({
  model: modelSchema.optional(),
  name: z.string().min(1).optional(),
  description: z.string().nullish(),
  execution_identity: executionIdentitySchema.nullish(),
  mcp_servers: mcpServersSchema.nullish(),
  metadata: z.record(metadataKey, metadataValue.nullable()).nullish(),
  multiagent: multiagentSchema.nullish(),
  skills: z.array(skillSchema).nullish(),
  system: z.string().nullish(),
  tools: toolsSchema.nullish(),
  version: z.number().int().min(1).optional(),
});

export type AgentCreateInput = z.output<typeof agentCreateSchema>;
export type AgentUpdateInput = z.output<typeof agentUpdateSchema>;
/** The SDK's request bodies: its params minus the two that travel as headers. */
export type AgentCreateBody = Omit<AgentCreateParams, 'betas' | 'workspace_id'>;
export type AgentUpdateBody = Omit<AgentUpdateParams, 'betas' | 'workspace_id'>;

/** What only the store knows. Implementations throw their own errors for missing or archived agents. */
export interface AgentRefResolver {
  /** Id of the agent being written: `self` and its own id in a roster resolve to it. */
  selfId: string;
  /** The concrete version of another agent: `requested` if given, else its latest. */
  agentVersion(id: string, requested: number | undefined): number;
  /** The latest version of a skill sent without one ("Defaults to latest if omitted"). */
  latestSkillVersion(skill: { type: 'anthropic' | 'custom'; skill_id: string }): string;
  /** "Resolved to the per-model default at save time"; `DEFAULT_EFFORT` when absent. */
  defaultEffort?(modelId: string): EffortLevel;
}

interface RefContext {
  refs: AgentRefResolver;
  /** Version the body is saved as; references to the agent itself carry it. */
  selfVersion: number;
}

type Issue = z.core.$ZodIssueCustom;

export function buildAgentBody(params: AgentCreateInput, refs: AgentRefResolver): AgentBody {
  const ctx = { refs, selfVersion: 1 };
  return validated({
    name: params.name,
    description: textOrNull(params.description),
    system: textOrNull(params.system),
    model: resolveModel(params.model, undefined, refs),
    metadata: { ...params.metadata },
    tools: (params.tools ?? []).map(resolveTool),
    mcp_servers: (params.mcp_servers ?? []).map(({ name, url }) => ({ type: 'url', name, url })),
    skills: (params.skills ?? []).map((s) => resolveSkill(s, refs)),
    multiagent: params.multiagent == null ? null : resolveMultiagent(params.multiagent, null, ctx),
    execution_identity: resolveIdentity(params.execution_identity),
  });
}

/**
 * The body after an update. It is `current`'s own body (so `agentBodiesEqual` holds) when nothing
 * changed, because a no-op update must not mint a version. Throws a `ZodError` when the merged agent
 * breaks a rule that spans fields the request did not all send.
 */
export function applyAgentUpdate(
  current: AgentBody & { version: number },
  params: AgentUpdateInput,
  refs: AgentRefResolver,
): AgentBody {
  const stored = pickAgentBody(current);
  const ctx = { refs, selfVersion: current.version };
  const next = validated({
    name: params.name ?? stored.name,
    description: keep(params.description, stored.description, textOrNull),
    system: keep(params.system, stored.system, textOrNull),
    model: keep(params.model, stored.model, (m) => resolveModel(m, stored.model.effort, refs)),
    metadata: params.metadata == null ? stored.metadata : patchMetadata(stored.metadata, params.metadata),
    tools: keep(params.tools, stored.tools, (t) => (t ?? []).map(resolveTool)),
    mcp_servers: keep(params.mcp_servers, stored.mcp_servers, (s) =>
      (s ?? []).map(({ name, url }) => ({ type: 'url' as const, name, url })),
    ),
    skills: keep(params.skills, stored.skills, (s) => (s ?? []).map((skill) => resolveSkill(skill, refs))),
    multiagent: keep(params.multiagent, stored.multiagent, (m) =>
      m === null ? null : resolveMultiagent(m, stored.multiagent, ctx),
    ),
    execution_identity: keep(params.execution_identity, stored.execution_identity, resolveIdentity),
  });
  if (agentBodiesEqual(next, stored)) return stored;
  return { ...next, multiagent: rebaseSelf(next.multiagent, refs.selfId, current.version, current.version + 1) };
}

export function pickAgentBody(agent: AgentBody): AgentBody {
  const { name, description, system, model, metadata, tools, mcp_servers, skills, multiagent, execution_identity } =
    agent;
  return { name, description, system, model, metadata, tools, mcp_servers, skills, multiagent, execution_identity };
}

/**
 * Equality of the versioned fields only, so whole stored agents can be passed; blind to key order and
 * to keys whose value is `undefined` (JSON drops them).
 */
export function agentBodiesEqual(a: AgentBody, b: AgentBody): boolean {
  return jsonEqual(pickAgentBody(a), pickAgentBody(b));
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  const keysA = definedKeys(a);
  const keysB = definedKeys(b);
  return keysA.length === keysB.length && keysA.every((k) => jsonEqual(Reflect.get(a, k), Reflect.get(b, k)));
}

function definedKeys(o: object): string[] {
  return Object.entries(o)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k);
}

function keep<P, S>(param: P | undefined, stored: S, resolve: (p: P) => S): S {
  return param === undefined ? stored : resolve(param);
}

/** Update documents `""` as clearing; create treats it the same so both paths store one form. */
function textOrNull(text: string | null | undefined): string | null {
  return text ? text : null;
}

function patchMetadata(stored: Record<string, string>, patch: Record<string, string | null>): Record<string, string> {
  const next = new Map(Object.entries(stored));
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) next.delete(key);
    else next.set(key, value);
  }
  return Object.fromEntries(next);
}

/**
 * On update, an omitted effort keeps `storedEffort`; the rest of `model` is whole-object replacement,
 * so an omitted `inference_geo` clears it (both per `BetaManagedAgentsModelConfigParams`).
 */
function resolveModel(
  params: ModelParams,
  storedEffort: BetaManagedAgentsModelConfig['effort'],
  refs: AgentRefResolver,
): BetaManagedAgentsModelConfig {
  const config = typeof params === 'string' ? { id: params } : params;
  return {
    id: config.id,
    effort: resolveEffort(config.effort, storedEffort, () => refs.defaultEffort?.(config.id) ?? DEFAULT_EFFORT),
    speed: config.speed ?? 'standard',
    ...(config.inference_geo == null ? {} : { inference_geo: config.inference_geo }),
  };
}

type EffortParams = Exclude<ModelParams, string>['effort'];

// Null on update is read as "take the default", as the multiagent params document for their nulls.
function resolveEffort(
  param: EffortParams,
  stored: BetaManagedAgentsModelConfig['effort'],
  fallback: () => EffortLevel,
): NonNullable<BetaManagedAgentsModelConfig['effort']> {
  if (param === undefined && stored) return stored;
  if (param == null) return { type: fallback() };
  return { type: typeof param === 'string' ? param : param.type };
}

function resolveSkill(skill: SkillParams, refs: AgentRefResolver): AgentBody['skills'][number] {
  return { type: skill.type, skill_id: skill.skill_id, version: skill.version ?? refs.latestSkillVersion(skill) };
}

// "Omitting it, sending null, or sending {"type": "service_account"} stores the default."
function resolveIdentity(
  params: z.output<typeof executionIdentitySchema> | null | undefined,
): AgentBody['execution_identity'] {
  return params?.type === 'aws_role' ? { type: 'aws_role', role_arn: params.role_arn } : { type: 'service_account' };
}

function resolveMultiagent(
  params: MultiagentParams,
  stored: BetaManagedAgentsMultiagent | null,
  ctx: RefContext,
): BetaManagedAgentsMultiagent {
  if (params.type === 'coordinator') {
    const agents = params.agents.map((e) =>
      typeof e !== 'string' && e.type === 'advisor'
        ? { type: 'advisor' as const, model: e.model }
        : resolveEntry(e, ctx),
    );
    return { type: 'coordinator', agents };
  }
  // Merged level by level into a stored config of the same type, per `BetaManagedAgentsMultiagent20261001Params`.
  const base = stored?.type === 'multiagent_20261001' ? stored : undefined;
  return {
    type: 'multiagent_20261001',
    advisor: member(
      params.advisor,
      base?.advisor,
      () => ({ type: 'disabled' }),
      (a) => (a.type === 'enabled' ? { type: 'enabled', model: a.model } : { type: 'disabled' }),
    ),
    subagents: member(params.subagents, base?.subagents, spawningDefault, (p, s) => resolveSpawning(p, s, ctx)),
    workflows: member(params.workflows, base?.workflows, spawningDefault, (p, s) => resolveSpawning(p, s, ctx)),
  };
}

type Spawning = BetaManagedAgentsMultiagentSubagents;
// Fresh objects on every call: a shared default would be aliased into every body that takes it.
const enabled = () => ({ type: 'enabled' as const });
const spawningDefault = (): Spawning => ({ type: 'enabled', inline_agents: enabled(), predefined_agents: [] });

/** Omitted keeps the stored value, null takes the default, and a changed `type` starts from defaults. */
function member<P extends { type: string }, R extends { type: string }>(
  param: P | null | undefined,
  stored: R | undefined,
  fallback: () => R,
  resolve: (param: P, sameTypeStored: R | undefined) => R,
): R {
  if (param === undefined) return stored ?? fallback();
  if (param === null) return fallback();
  return resolve(param, stored?.type === param.type ? stored : undefined);
}

function resolveSpawning(params: SpawningParams, stored: Spawning | undefined, ctx: RefContext): Spawning {
  if (params.type === 'disabled') return { type: 'disabled' };
  const prev = stored?.type === 'enabled' ? stored : undefined;
  return {
    type: 'enabled',
    inline_agents: keep(params.inline_agents, prev?.inline_agents ?? enabled(), (i) =>
      i === null ? enabled() : { type: i.type },
    ),
    predefined_agents: keep(params.predefined_agents, prev?.predefined_agents ?? [], (list) =>
      (list ?? []).map((e) => resolveEntry(e, ctx)),
    ),
  };
}

function resolveEntry(entry: AgentEntryParams, ctx: RefContext): BetaManagedAgentsAgentReference {
  const id = typeof entry === 'string' ? entry : entry.type === 'self' ? ctx.refs.selfId : entry.id;
  const requested = typeof entry === 'object' && entry.type === 'agent' ? entry.version : undefined;
  const isSelf = id === ctx.refs.selfId && requested === undefined;
  return { type: 'agent', id, version: isSelf ? ctx.selfVersion : ctx.refs.agentVersion(id, requested) };
}

/** Invariant: a stored reference to the agent itself carries the version of the body that holds it. */
function rebaseSelf(
  multiagent: BetaManagedAgentsMultiagent | null,
  selfId: string,
  from: number,
  to: number,
): BetaManagedAgentsMultiagent | null {
  const move = <R extends { type: string }>(r: R): R =>
    r.type === 'agent' && 'id' in r && r.id === selfId && 'version' in r && r.version === from
      ? { ...r, version: to }
      : r;
  const moveAll = (s: Spawning): Spawning =>
    s.type === 'enabled' ? { ...s, predefined_agents: s.predefined_agents.map(move) } : s;
  if (multiagent === null) return null;
  if (multiagent.type === 'coordinator') return { ...multiagent, agents: multiagent.agents.map(move) };
  return { ...multiagent, subagents: moveAll(multiagent.subagents), workflows: moveAll(multiagent.workflows) };
}

function validated(body: AgentBody): AgentBody {
  const issues = [...metadataIssues(body.metadata), ...mcpReferenceIssues(body), ...multiagentIssues(body.multiagent)];
  if (issues.length > 0) throw new z.ZodError(issues);
  return body;
}

function metadataIssues(metadata: Record<string, string>): Issue[] {
  return withinPairLimit(metadata) ? [] : [custom(['metadata'], pairLimitMessage, metadata)];
}

function multiagentIssues(multiagent: BetaManagedAgentsMultiagent | null): Issue[] {
  if (multiagent === null) return [];
  if (multiagent.type === 'coordinator') {
    const ids = multiagent.agents.map((a) => (a.type === 'agent' ? a.id : undefined));
    return duplicateIndexes(ids).map((i) =>
      custom(['multiagent', 'agents', i], 'Roster entries must reference distinct agents', multiagent.agents[i]),
    );
  }
  return (['subagents', 'workflows'] as const).flatMap((key) => spawningIssues(multiagent, key));
}

// "If inline_agents is disabled, predefined_agents must name at least one agent", judged after merging.
function spawningIssues(multiagent: BetaManagedAgentsMultiagent20261001, key: 'subagents' | 'workflows'): Issue[] {
  const member = multiagent[key];
  if (member.type !== 'enabled' || member.inline_agents.type !== 'disabled' || member.predefined_agents.length > 0) {
    return [];
  }
  const message = 'predefined_agents must name at least one agent when inline_agents is disabled';
  return [custom(['multiagent', key, 'predefined_agents'], message, member.predefined_agents)];
}
