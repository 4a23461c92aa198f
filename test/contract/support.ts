import type { ResourceRecord } from '../../src/core/resourceStore.js';
import { newId } from '../../src/protocol/ids.js';
/**
 * What every contract suite is given: a factory for a fresh, empty store and a way to close it.
 * Each test gets its own store, so tests never see each other's data.
 */
export interface StoreHandle<S> {
  store: S;
  close(): Promise<void>;
}

export type MakeStore<S> = () => Promise<StoreHandle<S>>;

/** A session's record, for a log to belong to. */
export function sessionRecord(id: string, status: string | null = 'idle'): ResourceRecord {
  const now = new Date().toISOString();
  return {
    kind: 'session',
    id,
    parentId: newId('agent'),
    refVersion: 1,
    status,
    createdAt: now,
    updatedAt: now,
    archivedAt: null,
    revision: 1,
    body: {},
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Lets queued microtasks and I/O callbacks run, as a subscriber's delivery would. */
export const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Polls until `check` holds; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/** Waits until the wall clock has moved past `iso`, so the next store write gets a later time. */
export async function clockPast(iso: string): Promise<void> {
  while (Date.now() <= Date.parse(iso)) await sleep(1);
}

/** Runs `body` and returns what reached the process-level error handlers meanwhile. */
export async function collectProcessErrors(body: () => Promise<void>): Promise<unknown[]> {
  const errors: unknown[] = [];
  const onError = (error: unknown) => errors.push(error);
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  try {
    await body();
    await sleep(20);
  } finally {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  }
  return errors;
}
