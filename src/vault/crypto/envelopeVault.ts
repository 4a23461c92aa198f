import { randomBytes } from 'node:crypto';
import type { SealedSecret, SecretScope, Vault } from '../../core/vault.js';
import type { StoredDataKey } from '../../protocol/vault.js';
import { gcmOpen, gcmSeal, KEY_BYTES } from './aesGcm.js';
import { VaultKeyError, type DataKeyStore } from './dataKeyStore.js';
import type { MasterKey, MasterKeyring } from './masterKey.js';

const SECRET_FORMAT = 1;
const MAX_SWAP_ATTEMPTS = 5;
const CACHE_LIMIT = 1024;

// The AAD binds each ciphertext to where it belongs: a data key to its vault, a secret to its
// vault, credential and field. Moving either elsewhere in the database makes it fail to open.
const dataKeyAad = (vaultId: string, dataKeyId: string) => `bosun/data-key/v1/${vaultId}/${dataKeyId}`;
const secretAad = (scope: SecretScope) => `bosun/secret/v1/${scope.vaultId}/${scope.credentialId}/${scope.field}`;

export interface RotationReport {
  /** Data keys seen. */
  total: number;
  /** Data keys rewrapped under the current master key. */
  rewrapped: number;
}

/**
 * Envelope encryption: each vault has a random 256-bit data key that seals its secrets
 * (AES-256-GCM); the data key is stored wrapped by the master key, with the master key's id.
 * Rotating the master key rewraps the data keys and never touches a secret.
 */
export class EnvelopeVault implements Vault {
  /** Unwrapped data keys by `vaultId/dataKeyId`; rotation rewraps but never changes them. */
  private readonly cache = new Map<string, Buffer>();

  constructor(
    private readonly keyring: MasterKeyring,
    private readonly dataKeys: DataKeyStore,
  ) {}

  get masterKeyId(): string {
    return this.keyring.current.id;
  }

  async seal(plaintext: string, scope: SecretScope): Promise<SealedSecret> {
    const dataKey = await this.dataKeyFor(scope.vaultId, true);
    const body = gcmSeal(dataKey.key, Buffer.from(plaintext, 'utf8'), secretAad(scope));
    return { keyId: dataKey.id, blob: Buffer.concat([Buffer.of(SECRET_FORMAT), body]).toString('base64') };
  }

  async open(sealed: SealedSecret, scope: SecretScope): Promise<string> {
    const dataKey = await this.dataKeyFor(scope.vaultId, false);
    if (dataKey.id !== sealed.keyId) {
      throw new VaultKeyError(
        `secret ${scope.credentialId}/${scope.field} was sealed by another data key than vault ${scope.vaultId}'s`,
      );
    }
    const blob = Buffer.from(sealed.blob, 'base64');
    if (blob[0] !== SECRET_FORMAT)
      throw new VaultKeyError(`secret ${scope.credentialId}/${scope.field} has an unknown format`);
    try {
      return gcmOpen(dataKey.key, blob.subarray(1), secretAad(scope)).toString('utf8');
    } catch {
      throw new VaultKeyError(`secret ${scope.credentialId}/${scope.field} failed authentication (tampered or moved)`);
    }
  }

  /**
   * Rewraps every data key not wrapped by the current master key. Run at every start: after the
   * operator makes a new key current and lists the old one as previous, this finishes the
   * rotation, and the old key can then be dropped. Throws if a data key's master key is unknown.
   */
  async rotateMasterKey(): Promise<RotationReport> {
    const report: RotationReport = { total: 0, rewrapped: 0 };
    for await (const { vaultId, key } of this.dataKeys.list()) {
      report.total += 1;
      if (key.masterKeyId !== this.keyring.current.id && (await this.rewrap(vaultId, key))) report.rewrapped += 1;
    }
    return report;
  }

  private async rewrap(vaultId: string, first: StoredDataKey): Promise<boolean> {
    let stored: StoredDataKey | null = first;
    for (let attempt = 0; attempt < MAX_SWAP_ATTEMPTS; attempt++) {
      if (!stored || stored.masterKeyId === this.keyring.current.id) return false;
      const plain = this.unwrap(vaultId, stored);
      if (await this.dataKeys.swap(vaultId, stored, this.wrap(vaultId, stored.id, plain))) return true;
      stored = await this.dataKeys.get(vaultId).catch(() => null);
    }
    throw new VaultKeyError(`vault ${vaultId}'s data key kept changing during rotation; run it again`);
  }

  private async dataKeyFor(vaultId: string, create: boolean): Promise<{ id: string; key: Buffer }> {
    for (let attempt = 0; attempt < MAX_SWAP_ATTEMPTS; attempt++) {
      const stored = await this.dataKeys.get(vaultId);
      if (stored) return { id: stored.id, key: this.unwrap(vaultId, stored) };
      if (!create) throw new VaultKeyError(`vault ${vaultId} has no data key, so it holds no secret`);
      const id = `dk_${randomBytes(8).toString('hex')}`;
      const key = randomBytes(KEY_BYTES);
      if (await this.dataKeys.swap(vaultId, null, this.wrap(vaultId, id, key))) {
        this.remember(`${vaultId}/${id}`, key);
        return { id, key };
      }
    }
    throw new VaultKeyError(`could not store a data key for vault ${vaultId}`);
  }

  private wrap(vaultId: string, dataKeyId: string, key: Buffer): StoredDataKey {
    const master = this.keyring.current;
    return {
      id: dataKeyId,
      masterKeyId: master.id,
      wrapped: gcmSeal(master.key, key, dataKeyAad(vaultId, dataKeyId)).toString('base64'),
    };
  }

  private unwrap(vaultId: string, stored: StoredDataKey): Buffer {
    const cacheKey = `${vaultId}/${stored.id}`;
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;
    const master = this.masterKey(stored.masterKeyId, vaultId);
    let key: Buffer;
    try {
      key = gcmOpen(master.key, Buffer.from(stored.wrapped, 'base64'), dataKeyAad(vaultId, stored.id));
    } catch {
      throw new VaultKeyError(`the data key of vault ${vaultId} failed authentication (tampered or moved)`);
    }
    this.remember(cacheKey, key);
    return key;
  }

  private masterKey(id: string, vaultId: string): MasterKey {
    const found = [this.keyring.current, ...this.keyring.previous].find((key) => key.id === id);
    if (found) return found;
    throw new VaultKeyError(
      `the data key of vault ${vaultId} was wrapped by master key ${id}, which is not configured ` +
        `(current: ${this.keyring.current.id}). Set BOSUN_MASTER_KEY (or <dataDir>/master.key) to that key, ` +
        'or list it in BOSUN_PREVIOUS_MASTER_KEYS to rotate away from it.',
    );
  }

  private remember(cacheKey: string, key: Buffer): void {
    if (this.cache.size >= CACHE_LIMIT) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(cacheKey, key);
  }
}
