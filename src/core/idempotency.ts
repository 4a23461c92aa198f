/**
 * Stored first responses to POSTs that carried an `Idempotency-Key`, kept 24 h, so a client's
 * retry (the SDK retries POSTs on timeouts and 5xx) returns the first answer instead of acting twice.
 */
export interface StoredResponse {
  status: number;
  body: string;
}

export type IdempotencyClaim =
  | { state: 'claimed' }
  | { state: 'replay'; response: StoredResponse }
  | { state: 'mismatch' }
  | { state: 'in_flight' };

export interface IdempotencyStore {
  /** Claims `key` for a request with this fingerprint (method, path and body hash). */
  claim(key: string, fingerprint: string, now: number): Promise<IdempotencyClaim>;
  complete(key: string, response: StoredResponse): Promise<void>;
  /** Forgets a claim whose request failed before acting, so a retry may act. */
  releaseKey(key: string): Promise<void>;
}

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** An unfinished claim older than this belongs to a request that died with its server. */
export const IDEMPOTENCY_STALE_CLAIM_MS = 60 * 1000;
