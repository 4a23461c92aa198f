/**
 * One brain per session at a time. Acquiring bumps the epoch (a fencing token); the session
 * log rejects appends that carry an older epoch, so a brain that was paused past its lease
 * cannot write after another has taken over.
 */
export interface Lease {
  sessionId: string;
  holder: string;
  epoch: number;
  expiresAt: number;
}

export interface Leases {
  /**
   * Takes the lease if it is free, expired or already ours, or if `canTakeOver` says its holder
   * is known to be dead; null if another (live) holder has it.
   */
  acquire(
    sessionId: string,
    holder: string,
    ttlMs: number,
    canTakeOver?: (holder: string) => boolean,
  ): Promise<Lease | null>;
  /** Extends our lease; false when it was lost (expired and taken, or released). */
  renew(lease: Lease, ttlMs: number): Promise<boolean>;
  release(lease: Lease): Promise<void>;
}
