import { z } from 'zod';
import { budgetLimitSchema, userDefineOutcomeParamsSchema, userMessageParamsSchema } from './events.js';

export { budgetLimitSchema };

// SessionCreateParams.metadata: "Maximum 16 pairs, keys up to 64 chars, values up to 512 chars."
export const SESSION_METADATA_LIMITS = { pairs: 16, keyChars: 64, valueChars: 512 } as const;

const metadataKey = z.string().max(SESSION_METADATA_LIMITS.keyChars);
const metadataValue = z.string().max(SESSION_METADATA_LIMITS.valueChars);

/** The whole bag. The API re-checks a patched bag with this, since a patch can add pairs. */
export const sessionMetadataSchema = z
  .record(metadataKey, metadataValue)
  .refine((bag) => Object.keys(bag).length <= SESSION_METADATA_LIMITS.pairs, {
    message: `metadata may hold at most ${SESSION_METADATA_LIMITS.pairs} pairs`,
  });

const sessionMetadataPatchSchema = z.record(metadataKey, metadataValue.nullable());

// ---------------------------------------------------------------------------------------------
// agent

/** `BetaManagedAgentsAgentParams`. */
export const agentReferenceSchema = z.strictObject({
  type: z.literal('agent'),
  id: z.string(),
  // "Must be at least 1 if specified."
  version: z.number().int().min(1).optional(),
});

/**
 * `BetaManagedAgentsAgentWithOverridesParams`. The override values are placeholders: the API
 * layer validates each present one with the agent.ts schemas (system: string ≤100,000 chars or
 * null; arrays are full replacement).
 */
export const agentWithOverridesSchema = z.strictObject({
  type: z.literal('agent_with_overrides'),
  id: z.string(),
  version: z.number().int().optional(),
  model: z.unknown().optional(), // validated by agent.ts schemas
  system: z.unknown().optional(), // validated by agent.ts schemas
  tools: z.unknown().optional(), // validated by agent.ts schemas
  mcp_servers: z.unknown().optional(), // validated by agent.ts schemas
  skills: z.unknown().optional(), // validated by agent.ts schemas
});

export const AGENT_OVERRIDE_FIELDS = ['model', 'system', 'tools', 'mcp_servers', 'skills'] as const;

/** A bare id pins the agent's latest version. */
export const sessionAgentParamSchema = z.union([
  z.string(),
  z.discriminatedUnion('type', [agentReferenceSchema, agentWithOverridesSchema]),
]);

/** `BetaManagedAgentsSessionAgentUpdate`: only tools and mcp_servers, each a full replacement. */
export const sessionAgentUpdateSchema = z.strictObject({
  tools: z.unknown().optional(), // validated by agent.ts schemas
  mcp_servers: z.unknown().optional(), // validated by agent.ts schemas
});

// ---------------------------------------------------------------------------------------------
// resources

const nullableString = z.string().nullish();

/** `BetaManagedAgentsMemoryStoreResourceParam.instructions`: "Max 4096 chars." */
export const MEMORY_STORE_INSTRUCTIONS_MAX_CHARS = 4096;

export const sessionResourceParamsSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('github_repository'),
    url: z.string(),
    authorization_token: z.string().optional(),
    checkout: z
      .discriminatedUnion('type', [
        z.strictObject({ type: z.literal('branch'), name: z.string() }),
        z.strictObject({ type: z.literal('commit'), sha: z.string() }),
      ])
      .nullish(),
    mount_path: nullableString,
  }),
  z.strictObject({ type: z.literal('file'), file_id: z.string(), mount_path: nullableString }),
  z.strictObject({
    type: z.literal('memory_store'),
    memory_store_id: z.string(),
    access: z.enum(['read_write', 'read_only']).nullish(),
    instructions: z.string().max(MEMORY_STORE_INSTRUCTIONS_MAX_CHARS).nullish(),
  }),
]);

// ---------------------------------------------------------------------------------------------
// create / update

/**
 * `SessionCreateParams.initial_events`: "Supports `user.message` and `user.define_outcome`
 * events. Maximum 50 events."
 */
export const INITIAL_EVENTS_MAX = 50;

export const sessionCreateSchema = z.strictObject({
  agent: sessionAgentParamSchema,
  environment_id: z.string(),
  budget: budgetLimitSchema.optional(),
  initial_events: z
    .array(z.discriminatedUnion('type', [userMessageParamsSchema, userDefineOutcomeParamsSchema]))
    .max(INITIAL_EVENTS_MAX)
    .optional(),
  metadata: sessionMetadataSchema.optional(),
  resources: z.array(sessionResourceParamsSchema).optional(),
  title: nullableString,
  vault_ids: z.array(z.string()).optional(),
});

export const sessionUpdateSchema = z.strictObject({
  agent: sessionAgentUpdateSchema.optional(),
  // An object replaces the budget, null removes it, omitted keeps it.
  budget: budgetLimitSchema.nullable().optional(),
  metadata: sessionMetadataPatchSchema.nullish(),
  title: nullableString,
  // Parsed so the API can reject it by name; see `sessionUpdateUnsupported`.
  vault_ids: z.array(z.string()).optional(),
});

export type SessionCreateBody = z.output<typeof sessionCreateSchema>;
export type SessionUpdateBody = z.output<typeof sessionUpdateSchema>;

/** SessionUpdateParams.vault_ids: "Not yet supported; requests setting this field are rejected." */
export function sessionUpdateUnsupported(body: SessionUpdateBody): { path: string[]; message: string } | undefined {
  if (body.vault_ids === undefined) return undefined;
  return { path: ['vault_ids'], message: 'Updating vault_ids is not yet supported.' };
}

/**
 * SessionUpdateParams.metadata: "Set a key to a string to upsert it, or to null to delete it.
 * Omit the field to preserve." A null patch says nothing, so it preserves too.
 */
export function applySessionMetadataPatch(
  current: Readonly<Record<string, string>>,
  patch: SessionUpdateBody['metadata'],
): Record<string, string> {
  const next = { ...current };
  for (const [key, value] of Object.entries(patch ?? {})) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}

// ---------------------------------------------------------------------------------------------
// list query: values arrive decoded but untyped (strings, and string[] for repeated keys).

const queryInt = z
  .string()
  .regex(/^[0-9]+$/, 'expected a non-negative integer')
  .transform(Number);

const queryBool = z.stringbool({ truthy: ['true'], falsy: ['false'] });

const queryTimestamp = z.iso.datetime({ offset: true });

export const SESSION_STATUSES = ['rescheduling', 'running', 'idle', 'terminated'] as const;

export const sessionListQuerySchema = z.strictObject({
  agent_id: z.string().optional(),
  // "Only applies when `agent_id` is also set": ignored without it, not rejected.
  agent_version: queryInt.pipe(z.number().int().min(1)).optional(),
  'created_at[gt]': queryTimestamp.optional(),
  'created_at[gte]': queryTimestamp.optional(),
  'created_at[lt]': queryTimestamp.optional(),
  'created_at[lte]': queryTimestamp.optional(),
  deployment_id: z.string().optional(),
  // "Default: false (exclude archived)."
  include_archived: queryBool.default(false),
  memory_store_id: z.string().optional(),
  // "Defaults to `desc` (newest first)."
  order: z.enum(['asc', 'desc']).default('desc'),
  statuses: z.array(z.enum(SESSION_STATUSES)).optional(),
  // No bound is documented; zero would make the SDK's auto-pager spin, so at least one.
  limit: queryInt.pipe(z.number().int().min(1)).optional(),
  page: z.string().optional(),
});

export type SessionListQuery = z.output<typeof sessionListQuerySchema>;
