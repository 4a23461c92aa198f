import type { IdempotencyStore } from '../core/idempotency.js';
import type { ResourceStore } from '../core/resourceStore.js';
import type { SessionLog } from '../core/sessionLog.js';
import type { SessionSummary } from '../core/sessionSummary.js';
import type { Wake } from '../core/wake.js';

/** What the HTTP layer is given by the composition root: ports only, never adapters. */
export interface ApiDeps {
  log: SessionLog;
  resources: ResourceStore;
  idempotency: IdempotencyStore;
  sessionSummary(sessionId: string): Promise<SessionSummary | null>;
  wake: Wake;
  /** Accepted API keys; every request under /v1 must present one. */
  apiKeys: readonly string[];
  /** Upper bound on request bodies, in bytes. */
  maxBodyBytes: number;
  /** SSE keep-alive interval. */
  heartbeatMs: number;
  logger: { error(obj: unknown, msg?: string): void; info(obj: unknown, msg?: string): void };
}
