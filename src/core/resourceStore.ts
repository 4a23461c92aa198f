/**
 * The resource port: agents and their versions, environments, sessions, vaults… stored beside
 * the log. Records are JSON documents with the few columns lists filter on.
 * Every adapter passes `test/contract/resourceStore.contract.ts`.
 */
import type { TimeRange } from './sessionLog.js';

export type ResourceKind = 'agent' | 'environment' | 'session' | 'vault' | 'credential';

export interface ResourceRecord<Body = object> {
  kind: ResourceKind;
  id: string;
  /** Owner for filtered lists: a session's agent id, a credential's vault id. */
  parentId: string | null;
  /** A session's agent version; an agent's current version. */
  refVersion: number | null;
  /** A session's status; derived from its log by the store on append. */
  status: string | null;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
  /** Bumped by every write; `update` compares it to detect a lost race. */
  revision: number;
  body: Body;
}

export interface ListOptions {
  parentId?: string;
  refVersion?: number;
  statuses?: readonly string[];
  includeArchived?: boolean;
  createdAt?: TimeRange;
  order?: 'asc' | 'desc';
  /** Keyset cursor: the id of the last record of the previous page, in this order. */
  after?: string;
  limit: number;
}

export interface VersionRecord<Body = object> {
  id: string;
  version: number;
  createdAt: string;
  body: Body;
}

export interface ResourceStore {
  /** Inserts the record and, when given, its first version, atomically. */
  insert<B extends object>(record: ResourceRecord<B>, version?: VersionRecord<B>): Promise<void>;
  get<B = Record<string, unknown>>(kind: ResourceKind, id: string): Promise<ResourceRecord<B> | null>;
  /**
   * Replaces the record if its stored revision is still `record.revision - 1`; writes the
   * version too when given. Resolves false on a lost race (the caller re-reads and retries).
   */
  update<B extends object>(record: ResourceRecord<B>, version?: VersionRecord<B>): Promise<boolean>;
  delete(kind: ResourceKind, id: string): Promise<boolean>;
  list<B = Record<string, unknown>>(kind: ResourceKind, options: ListOptions): Promise<ResourceRecord<B>[]>;
  getVersion<B = Record<string, unknown>>(
    kind: ResourceKind,
    id: string,
    version: number,
  ): Promise<VersionRecord<B> | null>;
  listVersions<B = Record<string, unknown>>(
    kind: ResourceKind,
    id: string,
    options: { afterVersion?: number; limit: number },
  ): Promise<VersionRecord<B>[]>;
}
