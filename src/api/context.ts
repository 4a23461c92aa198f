import type { IdempotencyStore } from '../core/idempotency.js';
import type { ModelProfile } from '../core/modelProvider.js';
import type { Previews } from '../core/previews.js';
import type { ResourceStore } from '../core/resourceStore.js';
import type { SessionLog } from '../core/sessionLog.js';
import type { CredentialProbe, Vault } from '../core/vault.js';
import type { Wake } from '../core/wake.js';

/** What the HTTP layer is given by the composition root: ports only, never adapters. */
export interface ApiDeps {
  log: SessionLog;
  resources: ResourceStore;
  idempotency: IdempotencyStore;
  wake: Wake;
  /** Seals credential secrets on write; the API never opens them. */
  vault: Vault;
  /** `mcp_oauth_validate`: the live probe runs outside the API layer. */
  credentialProbe: CredentialProbe;
  /** The model's profile, or null for a model no provider serves (a 400 at agent and session create). */
  modelProfile(modelId: string): ModelProfile | null;
  /** Live model output for streams that opt in with `event_deltas`. */
  previews: Previews;
  /** Accepted API keys; every request under /v1 must present one. */
  apiKeys: readonly string[];
  /** Upper bound on request bodies, in bytes. */
  maxBodyBytes: number;
  /** SSE keep-alive interval. */
  heartbeatMs: number;
  /** The brain worker's progress report for /healthz; absent on an API-only node. */
  brainHealth?: () => { ok: boolean } & Record<string, unknown>;
  logger: { error(obj: unknown, msg?: string): void; info(obj: unknown, msg?: string): void };
}
