import type { ResourceStore } from '../../core/resourceStore.js';
import type { StoredDataKey, VaultBody } from '../../protocol/vault.js';

/** Where each vault's wrapped data key lives. One key per vault; swaps are compare-and-set. */
export interface DataKeyStore {
  /** The vault's key, or null when it has none yet. Throws `VaultKeyError` for an unknown vault. */
  get(vaultId: string): Promise<StoredDataKey | null>;
  /** Stores `next` if the vault's key is still `expected`; false on a lost race or a vanished vault. */
  swap(vaultId: string, expected: StoredDataKey | null, next: StoredDataKey): Promise<boolean>;
  /** Every vault's key (archived vaults too), for rotation. */
  list(): AsyncIterable<{ vaultId: string; key: StoredDataKey }>;
}

/** A secret or data key could not be opened, or its vault is unknown. Never carries key material. */
export class VaultKeyError extends Error {
  override name = 'VaultKeyError';
}

function sameKey(a: StoredDataKey | null | undefined, b: StoredDataKey | null): boolean {
  if (!a || !b) return !a && !b;
  return a.id === b.id && a.masterKeyId === b.masterKeyId && a.wrapped === b.wrapped;
}

const LIST_PAGE = 100;

/**
 * Keeps the wrapped data key inside the vault's own record (`data_key`, never rendered), so
 * deleting a vault deletes its key: whatever of its ciphertext survives anywhere is unreadable.
 * Writes keep `updatedAt`: rewrapping is not a change a client made.
 */
export function vaultRecordDataKeys(resources: ResourceStore): DataKeyStore {
  return {
    async get(vaultId) {
      const record = await resources.get<VaultBody>('vault', vaultId);
      if (!record) throw new VaultKeyError(`vault ${vaultId} not found`);
      return record.body.data_key ?? null;
    },
    async swap(vaultId, expected, next) {
      const record = await resources.get<VaultBody>('vault', vaultId);
      if (!record || !sameKey(record.body.data_key, expected)) return false;
      return resources.update({ ...record, revision: record.revision + 1, body: { ...record.body, data_key: next } });
    },
    async *list() {
      let after: string | undefined;
      for (;;) {
        const page = await resources.list<VaultBody>('vault', {
          includeArchived: true,
          limit: LIST_PAGE,
          ...(after !== undefined ? { after } : {}),
        });
        for (const record of page) {
          if (record.body.data_key) yield { vaultId: record.id, key: record.body.data_key };
        }
        if (page.length < LIST_PAGE) return;
        after = page[page.length - 1]?.id;
      }
    },
  };
}

/** An in-process store, for tests and tools that run without a database. */
export function memoryDataKeys(): DataKeyStore & { vaults: Map<string, StoredDataKey | null> } {
  const vaults = new Map<string, StoredDataKey | null>();
  return {
    vaults,
    async get(vaultId) {
      if (!vaults.has(vaultId)) throw new VaultKeyError(`vault ${vaultId} not found`);
      return vaults.get(vaultId) ?? null;
    },
    async swap(vaultId, expected, next) {
      if (!vaults.has(vaultId) || !sameKey(vaults.get(vaultId), expected)) return false;
      vaults.set(vaultId, next);
      return true;
    },
    async *list() {
      for (const [vaultId, key] of vaults) if (key) yield { vaultId, key };
    },
  };
}
