import { conflict, notFound } from '../core/errors.js';
import type { ListOptions, ResourceKind, ResourceRecord, ResourceStore, VersionRecord } from '../core/resourceStore.js';
import { decodeCursor, pageOf } from './pagination.js';

const MAX_UPDATE_ATTEMPTS = 5;

export function newRecord<B extends object>(
  kind: ResourceKind,
  id: string,
  body: B,
  extra: Partial<Pick<ResourceRecord<B>, 'parentId' | 'refVersion' | 'status'>> = {},
): ResourceRecord<B> {
  const now = new Date().toISOString();
  return {
    kind,
    id,
    parentId: extra.parentId ?? null,
    refVersion: extra.refVersion ?? null,
    status: extra.status ?? null,
    createdAt: now,
    updatedAt: now,
    archivedAt: null,
    revision: 1,
    body,
  };
}

export async function loadRecord<B>(store: ResourceStore, kind: ResourceKind, id: string): Promise<ResourceRecord<B>> {
  const record = await store.get<B>(kind, id);
  if (!record) throw notFound(kind, id);
  return record;
}

/**
 * Read-modify-write with optimistic concurrency. `change` returns the next record (and
 * optionally a version to write with it), or null for "nothing changed". A lost race re-reads
 * and re-applies, so two concurrent updates both take effect instead of one overwriting the other.
 */
export async function updateRecord<B extends object>(
  store: ResourceStore,
  kind: ResourceKind,
  id: string,
  change: (current: ResourceRecord<B>) => { record: ResourceRecord<B>; version?: VersionRecord<B> } | null,
): Promise<ResourceRecord<B>> {
  for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
    const current = await loadRecord<B>(store, kind, id);
    const next = change(current);
    if (!next) return current;
    const record = { ...next.record, revision: current.revision + 1, updatedAt: new Date().toISOString() };
    if (await store.update(record, next.version)) return record;
  }
  throw conflict(`The ${kind} ${id} is being changed concurrently; retry the request.`);
}

export async function archiveRecord<B extends object>(
  store: ResourceStore,
  kind: ResourceKind,
  id: string,
): Promise<ResourceRecord<B>> {
  return updateRecord<B>(store, kind, id, (current) =>
    current.archivedAt ? null : { record: { ...current, archivedAt: new Date().toISOString() } },
  );
}

/** One page of a `PageCursor` list, keyed by id. */
export async function listPage<B>(
  store: ResourceStore,
  kind: ResourceKind,
  options: Omit<ListOptions, 'after' | 'limit'> & { limit: number; page?: string | undefined },
) {
  const { page, limit, ...rest } = options;
  const cursor = decodeCursor(page);
  const records = await store.list<B>(kind, {
    ...rest,
    limit: limit + 1,
    ...(cursor ? { after: String(cursor.key) } : {}),
  });
  return pageOf(records, limit, (record) => record.id);
}
